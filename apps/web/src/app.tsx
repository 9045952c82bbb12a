import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect } from 'react'
import { ApiError, api, call, setCsrfToken, setUnauthorizedHandler } from './api/client'
import { Spinner } from './components/ui'
import { EvaluationPage } from './evaluation/evaluation-page'
import { MeContext, useMe } from './me'
import { ProjectPage } from './pages/project'
import { ProjectsPage } from './pages/projects'
import { SignInPage } from './pages/sign-in'
import { TokensPage } from './pages/tokens'
import { Link, match, navigate, useLocation } from './router'

export function App() {
  const { path } = useLocation()
  const queryClient = useQueryClient()
  const me = useQuery({
    queryKey: ['me'],
    queryFn: async () => {
      try {
        const answer = await call(api.GET('/api/v1/auth/me'))
        setCsrfToken(answer.csrfToken)
        return answer
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null
        throw error
      }
    },
    staleTime: Number.POSITIVE_INFINITY,
  })

  useEffect(() => {
    setUnauthorizedHandler(() => {
      queryClient.setQueryData(['me'], null)
    })
    return () => setUnauthorizedHandler(null)
  }, [queryClient])

  if (path === '/sign-in' || (me.isSuccess && me.data === null)) return <SignInPage />
  if (me.isPending) {
    return (
      <div className="center-page">
        <Spinner />
      </div>
    )
  }
  if (me.isError || !me.data) {
    return (
      <div className="center-page">
        <p role="alert">The server did not answer. Reload the page to try again.</p>
      </div>
    )
  }
  return (
    <MeContext.Provider value={me.data}>
      <Shell path={path} />
    </MeContext.Provider>
  )
}

function Shell({ path }: { path: string }) {
  const me = useMe()
  const queryClient = useQueryClient()
  const signOut = async () => {
    await api.POST('/api/v1/auth/logout')
    setCsrfToken(null)
    queryClient.clear()
    queryClient.setQueryData(['me'], null)
    navigate('/sign-in')
  }
  const evaluation = match('/evaluations/:evaluationId', path)
  const project = match('/projects/:projectId', path)
  const projectTab = match('/projects/:projectId/:tab', path)
  let page: React.ReactNode
  if (path === '/' || path === '/projects') page = <ProjectsPage />
  else if (path === '/tokens') page = <TokensPage />
  else if (evaluation?.evaluationId)
    page = <EvaluationPage key={evaluation.evaluationId} evaluationId={evaluation.evaluationId} />
  else if (project?.projectId)
    page = <ProjectPage projectId={project.projectId} tab="evaluations" />
  else if (projectTab?.projectId)
    page = <ProjectPage projectId={projectTab.projectId} tab={projectTab.tab ?? 'evaluations'} />
  else page = <NotFound />
  return (
    <div className="shell">
      <header className="topbar">
        <Link to="/" className="brand" aria-label="Assay home">
          <span className="brand-mark" aria-hidden="true" />
          Assay
        </Link>
        <nav aria-label="Main">
          <Link to="/" aria-current={path === '/' ? 'page' : undefined}>
            Projects
          </Link>
          <Link to="/tokens" aria-current={path === '/tokens' ? 'page' : undefined}>
            API tokens
          </Link>
        </nav>
        <div className="topbar-right">
          <span className="who" title={me.user.email}>
            {me.user.name || me.user.email}
          </span>
          <button type="button" className="ghost" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main className="main">{page}</main>
    </div>
  )
}

function NotFound() {
  return (
    <div className="page">
      <h1>Not found</h1>
      <p>
        Nothing lives at this address. <Link to="/">Back to the projects</Link>
      </p>
    </div>
  )
}
