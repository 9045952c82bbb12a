import { createServices, loadConfig, type Services } from '@assay/server'
import type { Io } from './io.js'

/** Opens storage for one command and always closes it again. */
export async function withServices<T>(
  io: Io,
  work: (services: Services) => Promise<T>,
  engineOptions: Parameters<typeof createServices>[1] = {},
): Promise<T> {
  const services = await createServices(loadConfig(io.env), engineOptions)
  try {
    return await work(services)
  } finally {
    await services.close()
  }
}
