import { readFileSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ADMIN,
  Api,
  columnsOf,
  ensureWebBuilt,
  launch,
  newPage,
  projectWithEvaluation,
  type Server,
  type Stub,
  signIn,
  startServer,
  startStub,
  waitFor,
} from './harness'

const ROWS = 120
const CSV = `question,answer\n${Array.from(
  { length: ROWS },
  (_, i) => `question ${i},answer ${i}`,
).join('\n')}\n`

let server: Server
let stub: Stub
let browser: Browser
let admin: Api
let projectId: string
let evaluationId: string

beforeAll(async () => {
  ensureWebBuilt()
  ;[server, stub, browser] = await Promise.all([startServer(), startStub(150), launch()])
  admin = await Api.signIn(server.url, ADMIN.email, ADMIN.password)
  ;({ projectId, evaluationId } = await projectWithEvaluation(admin, 'Journey'))
  await admin.call('POST', `/api/v1/projects/${projectId}/connections`, {
    name: 'stub judge',
    provider: 'openai-compatible',
    baseUrl: stub.url,
    model: 'judge-1',
    apiKey: 'sk-e2e',
    limits: { concurrency: 2, requestsPerMinute: null, tokensPerMinute: null },
  })
})

afterAll(async () => {
  await browser?.close()
  await Promise.all([server?.close(), stub?.close()])
})

/** "n of N rows" of the Insights tile of a column. */
async function tileRows(page: Page, name: string): Promise<[number, number]> {
  const text = await page.getByTestId(`tile-${name}`).getByTestId('rows-of').innerText()
  const found = /([\d,]+) of ([\d,]+) rows/.exec(text)
  if (!found) throw new Error(`unexpected tile text: ${text}`)
  return [Number(found[1]?.replace(/,/g, '')), Number(found[2]?.replace(/,/g, ''))]
}

async function tileCount(page: Page, name: string, which: 'pass-count' | 'fail-count') {
  const text = await page.getByTestId(`tile-${name}`).getByTestId(which).innerText()
  return Number(text.replace(/[^\d]/g, ''))
}

describe('the evaluation journey', () => {
  it('import → evaluator with mapping and threshold → run → stop → resume → filter → export', async () => {
    const page = await newPage(browser)
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await signIn(page, server.url, ADMIN.email, ADMIN.password)
    await page.goto(`${server.url}/evaluations/${evaluationId}`)
    await page.getByRole('heading', { name: 'This evaluation is empty' }).waitFor()

    // Import: a ragged file is refused with its line; the good one is previewed, then imported.
    await page.getByRole('button', { name: 'Import data' }).click()
    const dialog = page.getByTestId('import-dialog')
    const file = dialog.getByLabel('File (CSV or JSONL)')
    await file.setInputFiles({
      name: 'bad.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('question,answer\na,b\nc,d,e\n'),
    })
    const refusal = dialog.getByTestId('import-refusal')
    await refusal.waitFor()
    expect(await refusal.innerText()).toMatch(/line 3/)
    await file.setInputFiles({ name: 'qa.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) })
    await dialog.getByTestId('import-preview').waitFor()
    expect(await dialog.getByTestId('import-preview').locator('tbody tr').count()).toBe(10)
    await dialog.getByRole('button', { name: 'Proceed' }).click()
    await page
      .getByTestId('row-count')
      .filter({ hasText: `${ROWS} rows` })
      .waitFor()
    await page.getByText('question 0', { exact: true }).waitFor()

    // Add a system evaluator: Map variables, row-1 preview, threshold validated against 1–5.
    await page.getByTestId('add-column').click()
    await page.getByRole('menuitem', { name: 'Add evaluator' }).click()
    const add = page.getByTestId('add-evaluator-dialog')
    await add.getByRole('button', { name: 'Coherence', exact: true }).click()
    const mapping = add.locator('#map-output')
    expect(await mapping.locator('option:checked').innerText()).toBe('answer')
    await add.getByTestId('prompt-preview').filter({ hasText: 'answer 0' }).waitFor()
    const threshold = add.getByLabel('Threshold value')
    await threshold.fill('7')
    await add.getByText('The value must be inside the scale 1–5.').waitFor()
    expect(await add.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true)
    await add.getByLabel('Threshold operator').selectOption('>')
    await threshold.fill('3')
    // Test on chosen rows before saving: nothing is stored.
    await add.getByRole('textbox', { name: 'Rows' }).fill('1-2')
    await add.getByRole('button', { name: 'Test', exact: true }).click()
    await add.getByTestId('test-outcomes').waitFor()
    expect(await add.getByTestId('test-outcomes').locator('.outcome').count()).toBe(2)
    await add.getByRole('button', { name: 'Save' }).click()
    await add.waitFor({ state: 'detached' })
    await page.getByTestId('tile-Coherence').waitFor()
    expect(await tileRows(page, 'Coherence')).toEqual([0, ROWS])

    // Run shows the estimate first (SPEC §4): 120 judge cells, one model call each; the stub
    // connection has no prices, so the cost is unknown rather than $0. Enter runs.
    await page.getByRole('button', { name: 'Run', exact: true }).click()
    const estimate = page.getByTestId('run-dialog').getByTestId('run-estimate')
    await estimate.waitFor()
    expect(await estimate.locator('.estimate-line').innerText()).toMatch(
      /^120 cells in 120 rows · 120 model calls · ~[\d,]+ tokens · ~unknown$/,
    )
    expect(await estimate.getByRole('cell', { name: 'Coherence' }).count()).toBe(1)
    // Then Stop: the run keeps going while the confirmation is open.
    await page.keyboard.press('Enter')
    await waitFor('some scores', async () => (await tileRows(page, 'Coherence'))[0] >= 4)
    await page.getByRole('button', { name: 'Stop', exact: true }).click()
    const confirm = page.getByTestId('confirm-dialog')
    await confirm.getByText('The run keeps going until you press Continue.').waitFor()
    const before = (await tileRows(page, 'Coherence'))[0]
    await waitFor(
      'the run to keep going',
      async () => (await tileRows(page, 'Coherence'))[0] > before,
    )
    await confirm.getByRole('button', { name: 'Continue' }).click()
    await page
      .getByTestId('run-status')
      .filter({ hasText: /stopped · \d+ \/ 120 rows/ })
      .waitFor()
    await page.waitForTimeout(600)
    const [stoppedAt, total] = await tileRows(page, 'Coherence')
    expect(total).toBe(ROWS)
    expect(stoppedAt).toBeGreaterThan(before)
    expect(stoppedAt).toBeLessThan(ROWS)
    expect(
      (await tileCount(page, 'Coherence', 'pass-count')) +
        (await tileCount(page, 'Coherence', 'fail-count')),
    ).toBe(stoppedAt)
    // The processed count is shown, and nothing moves after the stop.
    expect(await page.getByTestId('run-status').innerText()).toMatch(/\d+ \/ 120 rows/)
    await page.waitForTimeout(800)
    expect((await tileRows(page, 'Coherence'))[0]).toBe(stoppedAt)
    await page.getByTestId('progress-ring').click()
    await page.getByTestId('run-panel').getByText('stopped').first().waitFor()
    await page.getByTestId('progress-ring').click()

    // Resume: the same run finishes the unfinished cells.
    await page.getByRole('button', { name: 'Resume' }).click()
    await page
      .getByTestId('run-status')
      .filter({ hasText: 'completed' })
      .waitFor({ timeout: 30_000 })
    await waitFor('every row scored', async () => (await tileRows(page, 'Coherence'))[0] === ROWS)
    const passed = await tileCount(page, 'Coherence', 'pass-count')
    const failed = await tileCount(page, 'Coherence', 'fail-count')
    expect(passed + failed).toBe(ROWS)

    // Filter on passing rows: Insights and the row count recompute over the filtered rows.
    await page.getByRole('button', { name: 'Filter', exact: true }).click()
    const filter = page.getByTestId('filter-dialog')
    await filter.getByLabel('Column').selectOption({ label: 'Coherence' })
    await filter.getByLabel('fail').uncheck()
    await filter.getByLabel('pass').check()
    await filter.getByRole('button', { name: 'Apply filter' }).click()
    await page.getByTestId('active-filters').getByText('Coherence: pass').waitFor()
    await page
      .getByTestId('row-count')
      .filter({ hasText: `${passed} of ${ROWS} rows` })
      .waitFor()
    await waitFor('filtered insights', async () => {
      const [n, of] = await tileRows(page, 'Coherence')
      return n === passed && of === passed
    })
    expect(await tileCount(page, 'Coherence', 'fail-count')).toBe(0)

    // Run on the filtered rows: the server picks the rows the filter selects.
    await page.getByRole('button', { name: 'More run options' }).click()
    await page.getByRole('menuitem', { name: 'Run on the filtered rows…' }).click()
    await page.getByTestId('run-estimate').waitFor()
    await page.getByTestId('run-dialog').getByRole('button', { name: 'Run', exact: true }).click()
    const filteredRun = await waitFor('the filtered run', async () => {
      const { runs } = await admin.call<{
        runs: { scope: { mode: string; rowIds?: string[] | null } }[]
      }>('GET', `/api/v1/evaluations/${evaluationId}/runs`)
      return runs.length === 2 && runs[0]
    })
    expect(filteredRun.scope.mode).toBe('rows')
    expect(filteredRun.scope.rowIds).toHaveLength(passed)
    await page
      .getByTestId('run-status')
      .filter({ hasText: /completed · / })
      .waitFor({ timeout: 20_000 })

    // Export the table as CSV.
    await page.getByTestId('evaluation-menu').click()
    const download = page.waitForEvent('download')
    await page.getByRole('menuitem', { name: 'Export CSV' }).click()
    const path = await (await download).path()
    const csv = readFileSync(path, 'utf8')
    const header = csv.split(/\r?\n/)[0] ?? ''
    expect(header).toContain('question')
    expect(header).toContain('Coherence')
    expect(csv).toContain('answer 119')
    expect(errors).toEqual([])
    await page.context().close()
  })

  it('edits a manual column inline and stops one column of a run', async () => {
    const page = await newPage(browser)
    await signIn(page, server.url, ADMIN.email, ADMIN.password)
    await page.goto(`${server.url}/evaluations/${evaluationId}`)
    await page.getByTestId('add-column').click()
    await page.getByRole('menuitem', { name: 'Add empty column' }).click()
    await page.getByRole('textbox', { name: 'Column name' }).fill('ground_truth')
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByRole('button', { name: 'Edit ground_truth, row 1', exact: true }).click()
    const input = page.getByRole('textbox', { name: 'ground_truth, row 1', exact: true })
    await input.fill('the <b>right</b> answer')
    await input.press('Enter')
    await page.getByRole('button', { name: 'Edit ground_truth, row 1', exact: true }).waitFor()
    await page.reload()
    await page.getByText('the <b>right</b> answer').waitFor()

    // Re-run everything (cache off: every cell asks the model again), then stop the Coherence
    // column alone from its menu.
    await page.getByTestId('evaluation-menu').click()
    await page.getByRole('menuitem', { name: 'Turn the answer cache off' }).click()
    await page.getByTestId('evaluation-menu').click()
    await page.getByRole('menuitem', { name: 'Turn the answer cache on' }).waitFor()
    await page.keyboard.press('Escape')
    await page.getByRole('button', { name: 'More run options' }).click()
    await page.getByRole('menuitem', { name: /^Re-run all/ }).click()
    await page.getByTestId('run-dialog').getByRole('button', { name: 'Run', exact: true }).click()
    await page.getByTestId('run-status').filter({ hasText: 'in progress' }).waitFor()
    await page.getByRole('button', { name: 'Column Coherence menu' }).click()
    await page.getByRole('menuitem', { name: 'Stop this column' }).click()
    await page
      .getByTestId('run-status')
      .filter({ hasText: /(completed|stopped) · .* cells done/ })
      .waitFor({ timeout: 20_000 })
    // The column stopped long before its 120 cells were done.
    const line = await page.getByTestId('run-status').innerText()
    const done = Number(/(\d+) cells done/.exec(line)?.[1])
    expect(done).toBeLessThan(ROWS)
    const runs = await admin.call<{ runs: { id: string; status: string }[] }>(
      'GET',
      `/api/v1/evaluations/${evaluationId}/runs`,
    )
    expect(runs.runs).toHaveLength(3)
    // The two runs side by side.
    await page.getByTestId('evaluation-menu').click()
    await page.getByRole('menuitem', { name: 'Compare runs' }).click()
    const compare = page.getByTestId('compare-dialog')
    await compare.getByRole('button', { name: 'Compare' }).click()
    await compare.getByText(/rows changed verdict/).waitFor()
    expect(await compare.getByRole('cell', { name: 'Coherence' }).count()).toBeGreaterThan(0)
    await page.keyboard.press('Escape')

    // A run with a token budget stops by itself, as a confirmed stop does.
    await page.getByRole('button', { name: 'Run', exact: true }).click()
    const dialog = page.getByTestId('run-dialog')
    await dialog.getByLabel('Cells').selectOption('all')
    await dialog.getByLabel('Most tokens (in + out)').fill('3000')
    // Re-running every cell is estimated well over 3,000 tokens: the dialog says so.
    await dialog.getByTestId('over-budget').waitFor()
    await dialog.getByRole('button', { name: 'Run', exact: true }).click()
    await page
      .getByTestId('run-status')
      .filter({ hasText: /stopped · .* cells done/ })
      .waitFor({ timeout: 20_000 })
    const budgeted = await admin.call<{ runs: { status: string; stopReason: string | null }[] }>(
      'GET',
      `/api/v1/evaluations/${evaluationId}/runs`,
    )
    expect(budgeted.runs[0]?.status).toBe('stopped')
    expect(budgeted.runs[0]?.stopReason).toMatch(/budget/i)
    await page.context().close()
  })

  it('a viewer sees scores and explanations but cannot change anything', async () => {
    await admin.call('POST', '/api/v1/users', {
      email: 'viewer@example.com',
      name: 'Vera Viewer',
      password: 'viewer-password-1',
    })
    await admin.call('PUT', `/api/v1/projects/${projectId}/members`, {
      email: 'viewer@example.com',
      role: 'viewer',
    })
    const page = await newPage(browser)
    await signIn(page, server.url, 'viewer@example.com', 'viewer-password-1')
    await page.goto(`${server.url}/evaluations/${evaluationId}`)
    await page.getByTestId('tile-Coherence').waitFor()
    await page.getByText('viewer', { exact: true }).first().waitFor()
    expect(await page.getByRole('button', { name: 'Run', exact: true }).count()).toBe(0)
    expect(await page.getByTestId('add-column').count()).toBe(0)
    await page.getByTestId('evaluation-menu').click()
    expect(await page.getByRole('menuitem', { name: 'Export CSV' }).count()).toBe(0)
    expect(await page.getByRole('menuitem', { name: 'Import data' }).count()).toBe(0)
    await page.keyboard.press('Escape')
    // Scores open their detail with the explanation.
    await page.getByRole('button', { name: /^Coherence, row 1:/ }).click()
    await page.getByTestId('detail-panel').getByTestId('explanation').waitFor()
    // The server refuses a write even when the page is bypassed.
    const status = await page.evaluate(async (id) => {
      const csrf = /assay_csrf=([^;]+)/.exec(document.cookie)?.[1] ?? ''
      const r = await fetch(`/api/v1/evaluations/${id}/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify({ mode: 'all' }),
      })
      return r.status
    }, evaluationId)
    expect(status).toBe(403)
    await page.context().close()
  })

  it('script and onerror payloads in a cell, a column name and an explanation stay inert', async () => {
    const xss = await projectWithEvaluation(admin, 'XSS')
    const payloadColumn = '<img src=x onerror="window.__xss=1">'
    const csv = [
      `question,"${payloadColumn.replace(/"/g, '""')}",expected`,
      `"<script>window.__xss=2</script>","<img src=x onerror=""window.__xss=3"">","<img src=x onerror=""window.__xss=4"">"`,
      `plain,text,"<svg onload=""window.__xss=5"">"`,
    ].join('\n')
    await admin.call(
      'POST',
      `/api/v1/evaluations/${xss.evaluationId}/imports?format=csv`,
      csv,
      'text/csv',
    )
    const cols = await columnsOf(admin, xss.evaluationId)
    const id = (name: string) => cols.find((c) => c.name === name)?.id as string
    await admin.call('POST', `/api/v1/evaluations/${xss.evaluationId}/columns`, {
      name: '<b onmouseover="window.__xss=6">contains</b>',
      config: {
        kind: 'evaluator',
        evaluator: {
          evaluatorId: 'metric:contains',
          mapping: { output: id(payloadColumn), expected: id('expected') },
          threshold: null,
        },
      },
    })
    const run = await admin.call<{ id: string }>(
      'POST',
      `/api/v1/evaluations/${xss.evaluationId}/runs`,
      { mode: 'all' },
    )
    await waitFor('the run to finish', async () => {
      const r = await admin.call<{ status: string }>('GET', `/api/v1/runs/${run.id}`)
      return r.status === 'completed'
    })
    const page = await newPage(browser)
    await signIn(page, server.url, ADMIN.email, ADMIN.password)
    await page.goto(`${server.url}/evaluations/${xss.evaluationId}`)
    await page.getByText('<script>window.__xss=2</script>').waitFor()
    await page.getByText(payloadColumn, { exact: true }).first().waitFor()
    const chip = page.getByRole('button', { name: /contains<\/b>, row 1:/ })
    await chip.hover()
    await chip.click()
    const explanation = page.getByTestId('detail-panel').getByTestId('explanation')
    expect(await explanation.innerText()).toContain('<img src=x onerror="window.__xss=4">')
    await page.waitForTimeout(300)
    const state = await page.evaluate(() => ({
      xss: (window as unknown as { __xss?: number }).__xss,
      injected: document.querySelectorAll(
        'main img, main script, main svg[onload], main b[onmouseover]',
      ).length,
    }))
    expect(state).toEqual({ xss: undefined, injected: 0 })
    await page.context().close()
  })
})
