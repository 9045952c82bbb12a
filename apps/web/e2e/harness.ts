import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium, type Page } from 'playwright-core'

/*
 * End-to-end harness: the real server (`assay start`) on a free port with a throw-away SQLite
 * file and a password admin, the stub model server, the built web app, and Debian's Chromium.
 */

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const WEB = join(ROOT, 'apps', 'web')
export const ADMIN = { email: 'admin@example.com', password: 'correct-horse-battery' }
export const CHROMIUM = process.env.ASSAY_CHROMIUM ?? '/usr/bin/chromium'

function newest(path: string): number {
  const s = statSync(path)
  if (!s.isDirectory()) return s.mtimeMs
  let max = 0
  for (const name of readdirSync(path)) max = Math.max(max, newest(join(path, name)))
  return max
}

/** Builds apps/web/dist unless it is newer than every source file. */
export function ensureWebBuilt(): void {
  const index = join(WEB, 'dist', 'index.html')
  const sources = ['src', 'index.html', 'vite.config.ts'].map((p) => newest(join(WEB, p)))
  if (existsSync(index) && statSync(index).mtimeMs >= Math.max(...sources)) return
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js')
  // vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'error'], {
    cwd: WEB,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  })
  if (result.status !== 0) throw new Error('the web app did not build')
}

function waitForLine(child: ChildProcess, pattern: RegExp, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    const timer = setTimeout(() => reject(new Error(`${what} did not start:\n${text}`)), 60_000)
    const onData = (chunk: Buffer) => {
      text += chunk.toString()
      const found = pattern.exec(text)
      if (found?.[1]) {
        clearTimeout(timer)
        resolve(found[1])
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${what} exited (${code}):\n${text}`))
    })
  })
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(timer)
}

export type Server = { url: string; output(): string; close(): Promise<void> }

export async function startServer(env: Record<string, string> = {}): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'assay-e2e-'))
  const child = spawn(process.execPath, [join(ROOT, 'apps', 'cli', 'bin', 'assay.js'), 'start'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      ASSAY_DATABASE_URL: join(dir, 'assay.db'),
      ASSAY_ADMIN_EMAIL: ADMIN.email,
      ASSAY_ADMIN_PASSWORD: ADMIN.password,
      ASSAY_SAMPLE_PROJECT: '0',
      ASSAY_OLLAMA_URL: 'off',
      ASSAY_WEB_DIR: join(WEB, 'dist'),
      OPENAI_API_KEY: '',
      ANTHROPIC_API_KEY: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const url = await waitForLine(child, /listening on (http:\/\/\S+)/, 'the server')
  return {
    url,
    output: () => output,
    async close() {
      await stopChild(child)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export type Stub = { url: string; close(): Promise<void> }

export async function startStub(latencyMs: number): Promise<Stub> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'packages', 'stub-llm', 'src', 'main.ts'),
      '--port',
      '0',
      '--latency',
      String(latencyMs),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const url = await waitForLine(child, /listening on (http:\/\/\S+)/, 'the stub model server')
  return { url, close: () => stopChild(child) }
}

/** A signed-in API client for setting things up (cookie session + CSRF header). */
export class Api {
  private cookie = ''
  private csrf = ''
  constructor(readonly base: string) {}

  static async signIn(base: string, email: string, password: string): Promise<Api> {
    const api = new Api(base)
    const response = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    })
    if (!response.ok) throw new Error(`login: ${response.status} ${await response.text()}`)
    api.cookie = response.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ')
    api.csrf = ((await response.json()) as { csrfToken: string }).csrfToken
    return api
  }

  async call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<T> {
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        cookie: this.cookie,
        ...(method === 'GET' ? {} : { 'x-csrf-token': this.csrf }),
        ...(body === undefined ? {} : { 'content-type': contentType }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    })
    const text = await response.text()
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`)
    return (text ? JSON.parse(text) : {}) as T
  }
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  })
}

export async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    acceptDownloads: true,
  })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  return page
}

export async function signIn(page: Page, base: string, email: string, password: string) {
  await page.goto(`${base}/sign-in`)
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Projects' }).waitFor()
}

/** Creates a project with an evaluation; returns their ids. */
export async function projectWithEvaluation(api: Api, name: string) {
  const project = await api.call<{ id: string }>('POST', '/api/v1/projects', { name })
  const evaluation = await api.call<{ id: string }>(
    'POST',
    `/api/v1/projects/${project.id}/evaluations`,
    { name: `${name} evaluation` },
  )
  return { projectId: project.id, evaluationId: evaluation.id }
}

export type ColumnInfo = { id: string; name: string }
export async function columnsOf(api: Api, evaluationId: string): Promise<ColumnInfo[]> {
  return (await api.call<{ columns: ColumnInfo[] }>('GET', `/api/v1/evaluations/${evaluationId}`))
    .columns
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
