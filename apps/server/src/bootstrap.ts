import type { ConnectionInput } from '@assay/core'
import type { ServerConfig } from './env.js'
import { prepareEvaluationFile } from './evaluation-as-code/run-evaluation-file.js'
import { hashPassword } from './http/auth/password.js'
import { newSecret } from './http/auth/secrets.js'
import type { Services } from './services.js'

/** One-time sign-in links stay valid this long. */
export const SIGN_IN_LINK_TTL_MS = 24 * 3_600_000

/**
 * The first admin. With ASSAY_ADMIN_EMAIL and ASSAY_ADMIN_PASSWORD it is created with that
 * password; otherwise as admin@localhost without one, and every start prints a fresh one-time
 * sign-in link until some admin has a password.
 */
export async function ensureAdmin(
  services: Services,
  config: ServerConfig,
  publicUrl: string,
): Promise<{ adminId: string; created: boolean; signInLink: string | null }> {
  const { repos, clock } = services
  let created = false
  if ((await repos.users.count()) === 0) {
    await repos.users.create({
      email: config.admin?.email ?? 'admin@localhost.localdomain',
      name: 'Admin',
      isAdmin: true,
      passwordHash: config.admin ? await hashPassword(config.admin.password) : null,
    })
    created = true
  }
  const admins = (await repos.users.list()).filter((u) => u.isAdmin && !u.disabled)
  const first = admins[0]
  if (!first) return { adminId: '', created, signInLink: null }
  for (const admin of admins) {
    if (await repos.users.getPasswordHash(admin.id))
      return { adminId: admin.id, created, signInLink: null }
  }
  const { secret, hash } = newSecret('')
  await repos.signInLinks.create({
    tokenHash: hash,
    userId: first.id,
    expiresAt: new Date(clock.now() + SIGN_IN_LINK_TTL_MS).toISOString(),
  })
  return { adminId: first.id, created, signInLink: `${publicUrl}/sign-in?link=${secret}` }
}

/**
 * The first-start sample project: the shipped TruthfulQA subset with deterministic evaluators,
 * so a newcomer can run, stop, resume and export offline. Only when there is no project yet.
 */
export async function ensureSampleProject(
  services: Services,
  adminId: string,
  sampleFile: string | undefined,
): Promise<string | null> {
  const { repos } = services
  if (!sampleFile || (await repos.projects.list()).length > 0) return null
  const { applied } = await prepareEvaluationFile(services, sampleFile, {})
  if (adminId) await repos.projects.setMember(applied.projectId, adminId, 'admin')
  return applied.projectId
}

/**
 * Global model connections from the environment (OPENAI_*, ANTHROPIC_API_KEY) and a local
 * Ollama when one answers. Created once by name; a changed key is updated.
 */
export async function ensureEnvConnections(
  services: Services,
  config: ServerConfig,
  fetcher: typeof fetch = fetch,
): Promise<string[]> {
  const made: string[] = []
  const base = {
    projectId: null,
    defaults: {},
    limits: { concurrency: 8, requestsPerMinute: null, tokensPerMinute: null },
    prices: { inputPerMillion: null, outputPerMillion: null },
  }
  const upsert = async (input: ConnectionInput) => {
    const existing = await services.repos.connections.getByName(null, input.name)
    if (existing)
      await services.repos.connections.update(existing.id, {
        apiKey: input.apiKey,
        baseUrl: input.baseUrl,
      })
    else await services.repos.connections.create(input)
    made.push(input.name)
  }
  if (config.openai) {
    await upsert({
      ...base,
      name: 'openai',
      provider: config.openai.baseUrl ? 'openai-compatible' : 'openai',
      baseUrl: config.openai.baseUrl ?? null,
      model: 'gpt-4o-mini',
      apiKey: config.openai.apiKey,
      structuredOutput: config.openai.baseUrl ? 'json' : 'json-schema',
    })
  }
  if (config.anthropicApiKey) {
    await upsert({
      ...base,
      name: 'anthropic',
      provider: 'anthropic',
      baseUrl: null,
      model: 'claude-3-5-haiku-latest',
      apiKey: config.anthropicApiKey,
      structuredOutput: 'tool-call',
    })
  }
  if (config.ollamaUrl) {
    const model = await probeOllama(config.ollamaUrl, fetcher)
    if (model) {
      await upsert({
        ...base,
        name: 'ollama',
        provider: 'openai-compatible',
        baseUrl: `${config.ollamaUrl.replace(/\/$/, '')}/v1`,
        model,
        apiKey: null,
        structuredOutput: 'json',
        limits: { concurrency: 2, requestsPerMinute: null, tokensPerMinute: null },
      })
    }
  }
  return made
}

/** The first model a local Ollama lists, or undefined when none answers within 500 ms. */
async function probeOllama(url: string, fetcher: typeof fetch): Promise<string | undefined> {
  try {
    const res = await fetcher(`${url.replace(/\/$/, '')}/api/tags`, {
      signal: AbortSignal.timeout(500),
    })
    if (!res.ok) return undefined
    const body = (await res.json()) as { models?: { name?: unknown }[] }
    const name = body.models?.[0]?.name
    return typeof name === 'string' && name.length > 0 ? name : undefined
  } catch {
    return undefined
  }
}
