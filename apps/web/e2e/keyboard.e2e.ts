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
  signIn,
  startServer,
} from './harness'

let server: Server
let browser: Browser
let admin: Api
let evaluationId: string

beforeAll(async () => {
  ensureWebBuilt()
  ;[server, browser] = await Promise.all([startServer(), launch()])
  admin = await Api.signIn(server.url, ADMIN.email, ADMIN.password)
  ;({ evaluationId } = await projectWithEvaluation(admin, 'Keys'))
  const csv = `question,answer\n${Array.from({ length: 60 }, (_, i) => `q${i},a${i}`).join('\n')}\n`
  await admin.call(
    'POST',
    `/api/v1/evaluations/${evaluationId}/imports?format=csv`,
    csv,
    'text/csv',
  )
  await admin.call('POST', `/api/v1/evaluations/${evaluationId}/columns`, {
    name: 'note',
    config: { kind: 'manual' },
  })
  await admin.call('POST', `/api/v1/evaluations/${evaluationId}/columns`, {
    name: 'rating',
    config: { kind: 'human', feedback: 'thumbs' },
  })
})

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

/** The text and position of the cell the grid says is active (aria-activedescendant). */
async function activeCell(page: Page) {
  return page.evaluate(() => {
    const grid = document.querySelector('[role=grid]')
    const id = grid?.getAttribute('aria-activedescendant')
    const cell = id ? document.getElementById(id) : null
    const row = cell?.closest('[role=row]')
    return cell
      ? {
          text: cell.textContent ?? '',
          col: Number(cell.getAttribute('aria-colindex')),
          row: Number(row?.getAttribute('aria-rowindex')),
        }
      : null
  })
}

async function focusedRole(page: Page) {
  return page.evaluate(() => document.activeElement?.getAttribute('role') ?? '')
}

describe('the results grid from the keyboard', () => {
  it('moves with the arrows, edits with Enter, sets thumbs and goes back with Escape', async () => {
    const page = await newPage(browser)
    await signIn(page, server.url, ADMIN.email, ADMIN.password)
    await page.goto(`${server.url}/evaluations/${evaluationId}`)
    const grid = page.getByRole('grid', { name: /Results table, 60 rows/ })
    await grid.getByText('q0', { exact: true }).waitFor()
    // The header, 60 rows and the footer row (the thumbs column has one; it comes with the
    // aggregates, which may answer after the rows).
    await expect.poll(() => grid.getAttribute('aria-rowcount')).toBe('62')

    await grid.focus()
    expect(await activeCell(page)).toEqual({ text: 'q0', col: 2, row: 2 })
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('ArrowRight')
    expect(await activeCell(page)).toEqual({ text: 'a2', col: 3, row: 4 })

    // The manual column: Enter opens the editor, Enter saves and gives focus back to the grid.
    await page.keyboard.press('ArrowRight')
    await page.keyboard.press('Enter')
    const editor = page.getByRole('textbox', { name: 'note, row 3', exact: true })
    await editor.waitFor()
    await page.keyboard.type('typed by keyboard')
    await page.keyboard.press('Enter')
    await page.getByRole('button', { name: 'Edit note, row 3', exact: true }).waitFor()
    await expect.poll(() => focusedRole(page)).toBe('grid')
    expect((await activeCell(page))?.text).toBe('typed by keyboard')

    // The thumbs pair: Enter enters the cell, Right reaches thumbs down, Escape leaves.
    await page.keyboard.press('End')
    await page.keyboard.press('Enter')
    await page.keyboard.press('ArrowRight')
    await page.keyboard.press('Space')
    await page
      .getByRole('button', { name: 'Thumbs down, row 3', exact: true })
      .and(page.locator('[aria-pressed=true]'))
      .waitFor()
    await page.keyboard.press('Escape')
    expect(await focusedRole(page)).toBe('grid')

    // Ctrl+End reaches the last row far below the first screen; Ctrl+Home comes back.
    await page.keyboard.press('Control+End')
    await expect.poll(async () => (await activeCell(page))?.row).toBe(61)
    await page.keyboard.press('Control+Home')
    await expect.poll(async () => (await activeCell(page))?.text).toBe('q0')

    const cells = await admin.call<{ rows: { values: Record<string, { value: string }> }[] }>(
      'POST',
      `/api/v1/evaluations/${evaluationId}/results/query`,
      { limit: 5 },
    )
    const columns = await columnsOf(admin, evaluationId)
    const note = columns.find((c) => c.name === 'note')?.id as string
    const rating = columns.find((c) => c.name === 'rating')?.id as string
    expect(cells.rows[2]?.values[note]?.value).toBe('typed by keyboard')
    expect(cells.rows[2]?.values[rating]?.value).toBe('0')
    await page.context().close()
  })

  it('jumps to the last of 2,000 rows loading only the pages it shows', async () => {
    const big = await projectWithEvaluation(admin, 'Jump')
    const csv = `n\n${Array.from({ length: 2000 }, (_, i) => `row-${i}`).join('\n')}\n`
    await admin.call(
      'POST',
      `/api/v1/evaluations/${big.evaluationId}/imports?format=csv`,
      csv,
      'text/csv',
    )
    const [n] = await columnsOf(admin, big.evaluationId)
    await admin.call('POST', `/api/v1/evaluations/${big.evaluationId}/columns`, {
      name: 'has row',
      config: {
        kind: 'evaluator',
        evaluator: {
          evaluatorId: 'metric:contains',
          mapping: { output: n?.id, expected: n?.id },
          threshold: null,
        },
      },
    })
    const page = await newPage(browser)
    await signIn(page, server.url, ADMIN.email, ADMIN.password)
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    const offsets: number[] = []
    page.on('request', (request) => {
      if (request.url().endsWith('/results/query'))
        offsets.push((JSON.parse(request.postData() ?? '{}') as { offset: number }).offset)
    })
    await page.goto(`${server.url}/evaluations/${big.evaluationId}`)
    const grid = page.getByRole('grid', { name: /Results table, 2000 rows/ })
    await grid.getByText('row-0', { exact: true }).waitFor()
    await grid.focus()
    await page.keyboard.press('Control+End')
    await grid.getByText('row-1999', { exact: true }).waitFor()
    // The first page, then the last (rows 1,500 to 1,999): none of the pages between.
    expect([...new Set(offsets)].sort((a, b) => a - b)).toEqual([0, 1500])
    // The rows between are holes: opening a cell's detail there must not trip over them.
    await page.getByRole('button', { name: /has row, row 2000:/ }).click()
    await page.getByRole('complementary', { name: 'Cell detail' }).waitFor()
    expect(errors).toEqual([])
    await page.context().close()
  })

  it('loads the rows again after a failed page load, without a reload', async () => {
    const page = await newPage(browser)
    await signIn(page, server.url, ADMIN.email, ADMIN.password)
    let failures = 0
    await page.route('**/results/query', async (route) => {
      if (failures < 2) {
        failures++
        await route.fulfill({
          status: 503,
          contentType: 'application/json',
          body: JSON.stringify({ error: { code: 'storage_failed', message: 'database busy' } }),
        })
      } else await route.continue()
    })
    await page.goto(`${server.url}/evaluations/${evaluationId}`)
    await page.getByText('database busy').first().waitFor()
    const grid = page.getByRole('grid', { name: /Results table/ })
    await grid.getByText('q0', { exact: true }).waitFor({ timeout: 10_000 })
    expect(failures).toBe(2)
    await expect.poll(() => page.getByText('database busy').count()).toBe(0)
    await page.context().close()
  })

  it('resizes a column with the keyboard and keeps the width for the user', async () => {
    const page = await newPage(browser)
    await signIn(page, server.url, ADMIN.email, ADMIN.password)
    await page.goto(`${server.url}/evaluations/${evaluationId}`)
    const header = page.getByRole('columnheader').filter({ hasText: 'question' })
    await header.waitFor()
    const before = (await header.boundingBox())?.width ?? 0
    const handle = page.getByRole('separator', { name: 'Resize column question' })
    await handle.focus()
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight')
    await expect.poll(async () => (await header.boundingBox())?.width).toBe(before + 40)
    // Saved with the table options (debounced), so a reload shows the same width.
    await expect
      .poll(async () => {
        const saved = await admin.call<{ options: { widths?: Record<string, number> } }>(
          'GET',
          `/api/v1/evaluations/${evaluationId}/table-options`,
        )
        return Object.values(saved.options.widths ?? {})
      })
      .toEqual([before + 40])
    await page.reload()
    await header.waitFor()
    expect((await header.boundingBox())?.width).toBe(before + 40)
    // Double-click goes back to the default width, and the saved width is removed (not the
    // default saved in its place).
    const savedWidths = async () =>
      (
        await admin.call<{ options: { widths?: Record<string, number> } }>(
          'GET',
          `/api/v1/evaluations/${evaluationId}/table-options`,
        )
      ).options.widths ?? {}
    await handle.dblclick()
    await expect.poll(async () => (await header.boundingBox())?.width).toBe(before)
    await expect.poll(savedWidths).toEqual({})
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(await savedWidths()).toEqual({})

    // A mouse drag is saved once, when it ends.
    const puts: string[] = []
    page.on('request', (request) => {
      if (request.method() === 'PUT' && request.url().endsWith('/table-options'))
        puts.push(request.postData() ?? '')
    })
    const box = await handle.boundingBox()
    if (!box) throw new Error('no resize handle')
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
    await page.mouse.down()
    for (let i = 1; i <= 10; i++)
      await page.mouse.move(box.x + box.width / 2 + i * 6, box.y + box.height / 2)
    await page.mouse.up()
    await expect.poll(async () => (await header.boundingBox())?.width).toBe(before + 60)
    await expect.poll(async () => Object.values(await savedWidths())).toEqual([before + 60])
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(puts).toHaveLength(1)
    await page.context().close()
  })
})
