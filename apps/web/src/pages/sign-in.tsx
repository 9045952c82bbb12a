import { useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useEffect, useRef, useState } from 'react'
import { api, call, errorText, setCsrfToken } from '../api/client'
import { navigate, useLocation, useTitle } from '../router'

export function SignInPage() {
  useTitle('Sign in')
  const { search } = useLocation()
  const link = search.get('link')
  const queryClient = useQueryClient()
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const usedLink = useRef<string | null>(null)

  const signedIn = async (answer: Awaited<ReturnType<typeof login>>) => {
    setCsrfToken(answer.csrfToken)
    // A `me` request still in flight (answered 401 before signing in) must not win.
    await queryClient.cancelQueries({ queryKey: ['me'] })
    queryClient.setQueryData(['me'], answer)
    navigate('/', { replace: true })
  }
  const login = () => call(api.POST('/api/v1/auth/login', { body: { email, password } }))

  useEffect(() => {
    if (!link || usedLink.current === link) return
    usedLink.current = link
    setBusy(true)
    call(api.POST('/api/v1/auth/link', { body: { token: link } }))
      .then(signedIn)
      .catch((e) => {
        setError(`This sign-in link cannot be used: ${errorText(e)}`)
        setBusy(false)
      })
  })

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await signedIn(await login())
    } catch (e) {
      setError(errorText(e))
      setBusy(false)
    }
  }

  return (
    <div className="center-page">
      <form className="card sign-in" onSubmit={submit} aria-labelledby="sign-in-title">
        <div className="brand big">
          <span className="brand-mark" aria-hidden="true" />
          Assay
        </div>
        <h1 id="sign-in-title">Sign in</h1>
        {link && busy ? <p>Signing you in with the one-time link…</p> : null}
        <div className="field">
          <label htmlFor="email">Email</label>
          <input
            id="email"
            type="email"
            autoComplete="username"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            required
          />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input
            id="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </div>
        {error ? (
          <p className="error-note" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="primary wide" disabled={busy}>
          Sign in
        </button>
        <p className="hint">
          First start? Open the one-time link the server printed in its terminal.
        </p>
      </form>
    </div>
  )
}
