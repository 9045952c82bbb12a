import { AssayError } from '@assay/core'

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string of a parsed YAML value with values
 * from the environment; `$${` writes a literal `${`. An unset variable without a default is an
 * error naming it and where it was used, never an empty string (an empty API key would only
 * fail later, far from the cause).
 */
export function interpolateEnv(
  value: unknown,
  env: Record<string, string | undefined>,
  path = '',
): unknown {
  if (typeof value === 'string') return interpolateString(value, env, path)
  if (Array.isArray(value))
    return value.map((item, i) => interpolateEnv(item, env, `${path}[${i}]`))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        interpolateEnv(item, env, path ? `${path}.${key}` : key),
      ]),
    )
  }
  return value
}

function interpolateString(
  text: string,
  env: Record<string, string | undefined>,
  path: string,
): string {
  return text.replace(
    /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
    (match, escaped: string, name: string, fallback?: string) => {
      if (escaped) return match.slice(1)
      const value = env[name]
      if (value !== undefined && value !== '') return value
      if (fallback !== undefined) return fallback
      throw new AssayError(
        'invalid_input',
        `${path || 'the configuration'}: environment variable ${name} is not set`,
        {
          position: { field: path },
        },
      )
    },
  )
}
