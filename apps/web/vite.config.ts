import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

const api = process.env.ASSAY_API_URL ?? 'http://127.0.0.1:4100'

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1000 },
  server: { proxy: { '/api': { target: api, changeOrigin: false } } },
})
