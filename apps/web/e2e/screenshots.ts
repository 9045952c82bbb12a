// Screenshots of the main pages at 1440×900 into apps/web/screenshots/:
//   node --import tsx apps/web/e2e/screenshots.ts
// Starts its own server (with the sample project) and stub model server.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import {
  ADMIN,
  Api,
  columnsOf,
  ensureWebBuilt,
  launch,
  newPage,
  ROOT,
  signIn,
  startServer,
  startStub,
  waitFor,
} from './harness'

const out = join(ROOT, 'apps', 'web', 'screenshots')
mkdirSync(out, { recursive: true })
ensureWebBuilt()
const [server, stub, browser] = await Promise.all([
  startServer({ ASSAY_SAMPLE_PROJECT: '1' }),
  startStub(20),
  launch(),
])
try {
  const api = await Api.signIn(server.url, ADMIN.email, ADMIN.password)
  const { projects } = await api.call<{ projects: { id: string; name: string }[] }>(
    'GET',
    '/api/v1/projects',
  )
  const sample = projects[0] as { id: string }
  await api.call('POST', '/api/v1/projects', { name: 'Support bot regression' })
  await api.call('POST', '/api/v1/projects', { name: 'RAG answers (docs site)' })
  const { evaluations } = await api.call<{ evaluations: { id: string }[] }>(
    'GET',
    `/api/v1/projects/${sample.id}/evaluations`,
  )
  const evaluationId = (evaluations[0] as { id: string }).id
  const connection = await api.call<{ id: string }>(
    'POST',
    `/api/v1/projects/${sample.id}/connections`,
    {
      name: 'Local judge (stub)',
      provider: 'openai-compatible',
      baseUrl: stub.url,
      model: 'judge-1',
      limits: { concurrency: 8 },
      prices: { inputPerMillion: 0.15, outputPerMillion: 0.6 },
    },
  )
  const cols = await columnsOf(api, evaluationId)
  const id = (name: string) => cols.find((c) => c.name === name)?.id as string
  await api.call('POST', `/api/v1/evaluations/${evaluationId}/columns`, {
    name: 'coherence',
    config: {
      kind: 'evaluator',
      evaluator: {
        evaluatorId: 'coherence',
        connectionId: connection.id,
        mapping: { output: id('candidate_answer') },
        threshold: { op: '>', value: 3 },
      },
    },
  })
  await api.call('POST', `/api/v1/evaluations/${evaluationId}/columns`, {
    name: 'reviewer',
    config: { kind: 'human', feedback: 'thumbs' },
  })
  const hidden = ['row_id', 'question_id', 'type', 'answer_origin', 'is_best_answer', 'source_url']
  await api.call('PUT', `/api/v1/evaluations/${evaluationId}/table-options`, {
    options: { hidden: hidden.map(id), rowHeight: 'normal' },
  })
  const run = await api.call<{ id: string }>('POST', `/api/v1/evaluations/${evaluationId}/runs`, {
    mode: 'all',
  })
  await waitFor(
    'the sample run',
    async () =>
      (await api.call<{ status: string }>('GET', `/api/v1/runs/${run.id}`)).status === 'completed',
    60_000,
  )

  const page = await newPage(browser)
  await page.goto(`${server.url}/sign-in`)
  await page.screenshot({ path: join(out, 'sign-in.png') })
  await signIn(page, server.url, ADMIN.email, ADMIN.password)
  await page.screenshot({ path: join(out, 'projects.png') })
  await page.goto(`${server.url}/evaluations/${evaluationId}`)
  await page.getByTestId('tile-coherence').waitFor()
  // Some human thumbs, through the page.
  for (const row of [1, 2, 4])
    await page.getByLabel(`Thumbs up, row ${row}`, { exact: true }).click()
  await page.getByLabel('Thumbs down, row 3', { exact: true }).click()
  await page.waitForTimeout(800)
  await page.getByTestId('results-grid').evaluate((grid) => {
    grid.scrollLeft = 0
  })
  await page.mouse.move(700, 80)
  await page.screenshot({ path: join(out, 'evaluation.png') })
  await page.getByRole('button', { name: /^coherence, row 2:/ }).click()
  await page.getByTestId('detail-panel').getByText('Raw answer').waitFor()
  await page.waitForTimeout(300)
  await page.screenshot({ path: join(out, 'evaluation-detail.png') })
  await page.getByLabel('Close the detail panel').click()
  await page.getByTestId('progress-ring').click()
  await page.screenshot({ path: join(out, 'run-panel.png') })
  await page.getByTestId('progress-ring').click()
  await page.getByRole('button', { name: 'More run options' }).click()
  await page.getByRole('menuitem', { name: /^Re-run all/ }).click()
  await page.getByTestId('run-estimate').waitFor()
  await page.screenshot({ path: join(out, 'run-dialog.png') })
  await page.keyboard.press('Escape')
  await page.getByTestId('add-column').click()
  await page.getByRole('menuitem', { name: 'Add evaluator' }).click()
  await page.getByRole('button', { name: 'Groundedness', exact: true }).click()
  await page.getByTestId('prompt-preview').waitFor()
  await page.screenshot({ path: join(out, 'add-evaluator.png') })
  await page.keyboard.press('Escape')
  await page.getByTestId('add-column').click()
  await page.getByRole('menuitem', { name: 'Run an API' }).click()
  await page.getByRole('tab', { name: 'Headers' }).click()
  await page.getByLabel('Header name').first().fill('Authorization')
  await page.getByLabel('Header value').first().fill('Bearer sk-example')
  await page.screenshot({ path: join(out, 'api-dialog.png') })
  await page.keyboard.press('Escape')
  await page.getByRole('button', { name: 'Filter', exact: true }).click()
  const filter = page.getByTestId('filter-dialog')
  await filter.getByLabel('Column').selectOption({ label: 'token F1' })
  await filter.getByRole('button', { name: 'Apply filter' }).click()
  await page.waitForTimeout(800)
  await page.screenshot({ path: join(out, 'evaluation-filtered.png') })
  await page.goto(`${server.url}/projects/${sample.id}/evaluators`)
  await page.getByRole('heading', { name: 'System evaluators' }).waitFor()
  await page.screenshot({ path: join(out, 'evaluators.png') })
  await page.goto(`${server.url}/projects/${sample.id}/connections`)
  await page.getByText('Local judge (stub)').waitFor()
  await page.screenshot({ path: join(out, 'connections.png') })
  await page.goto(`${server.url}/projects/${sample.id}/members`)
  await page.screenshot({ path: join(out, 'members.png') })
  await page.goto(`${server.url}/tokens`)
  await page.screenshot({ path: join(out, 'tokens.png') })
  console.log(`screenshots in ${out}`)
} finally {
  await browser.close()
  await Promise.all([server.close(), stub.close()])
}
