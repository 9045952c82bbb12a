import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ADMIN,
  Api,
  ensureWebBuilt,
  launch,
  newPage,
  type Server,
  signIn,
  startServer,
  waitFor,
} from './harness'

let server: Server
let browser: Browser

beforeAll(async () => {
  ensureWebBuilt()
  ;[server, browser] = await Promise.all([startServer(), launch()])
})

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

describe('the other pages', () => {
  it('signs in with the one-time link printed on first start', async () => {
    // A server without ASSAY_ADMIN_PASSWORD prints a link instead.
    const linked = await startServer({ ASSAY_ADMIN_EMAIL: '', ASSAY_ADMIN_PASSWORD: '' })
    try {
      const link = await waitFor(
        'the sign-in link',
        async () => /Sign in \(one-time link, valid 24 h\): (\S+)/.exec(linked.output())?.[1],
      )
      const page = await newPage(browser)
      await page.goto(link)
      await page.getByRole('heading', { name: 'Projects' }).waitFor()
      expect(new URL(page.url()).pathname).toBe('/')
      // The link is spent: using it again is refused with a reason.
      const again = await newPage(browser)
      await again.goto(link)
      await again.getByText(/This sign-in link cannot be used/).waitFor()
      await page.context().close()
      await again.context().close()
    } finally {
      await linked.close()
    }
  })

  it('creates, renames, shares and deletes a project; keyboard reaches the menus', async () => {
    const api = await Api.signIn(server.url, ADMIN.email, ADMIN.password)
    await api.call('POST', '/api/v1/users', {
      email: 'ed@example.com',
      name: 'Ed Editor',
      password: 'editor-password-1',
    })
    const page = await newPage(browser)
    await signIn(page, server.url, ADMIN.email, ADMIN.password)
    await page.getByRole('button', { name: 'New Project' }).click()
    await page.getByLabel('Name').fill('Checkout assistant')
    await page.getByRole('button', { name: 'Create' }).click()
    await page.getByRole('heading', { name: 'Checkout assistant' }).waitFor()
    await page.getByRole('button', { name: 'Create evaluation' }).waitFor()

    // Share: add a member with a role, then change the role.
    await page.getByRole('tab', { name: 'Members' }).click()
    await page.getByLabel('Email').fill('ed@example.com')
    await page.getByLabel('Role', { exact: true }).selectOption('editor')
    await page.getByRole('button', { name: 'Share' }).click()
    const role = page.getByLabel('Role of ed@example.com')
    await role.waitFor()
    expect(await role.inputValue()).toBe('editor')
    await role.selectOption('viewer')
    await waitFor('the new role', async () => {
      const { members } = await api.call<{ members: { email: string; role: string }[] }>(
        'GET',
        `/api/v1/projects/${new URL(page.url()).pathname.split('/')[2]}/members`,
      )
      return members.find((m) => m.email === 'ed@example.com')?.role === 'viewer'
    })

    // Rename and delete from the projects list, with the keyboard.
    await page.getByRole('link', { name: 'Projects' }).first().click()
    const menu = page.getByRole('button', { name: 'Actions for Checkout assistant' })
    await menu.focus()
    await page.keyboard.press('Enter')
    await page.getByRole('menuitem', { name: 'Open' }).waitFor()
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('Enter')
    const name = page.getByRole('textbox', { name: 'Name' })
    await name.fill('Checkout assistant v2')
    await page.keyboard.press('Enter')
    await page.getByRole('link', { name: 'Checkout assistant v2' }).waitFor()
    await page.getByRole('button', { name: 'Actions for Checkout assistant v2' }).click()
    await page.getByRole('menuitem', { name: 'Delete' }).click()
    const confirm = page.getByTestId('confirm-dialog')
    await confirm.getByText('This cannot be undone.', { exact: false }).waitFor()
    await confirm.getByRole('button', { name: 'Delete' }).click()
    await page.getByRole('link', { name: 'Checkout assistant v2' }).waitFor({ state: 'detached' })
    const { projects } = await api.call<{ projects: unknown[] }>('GET', '/api/v1/projects')
    expect(projects).toEqual([])
    await page.context().close()
  })

  it('creates an API token whose secret is shown once', async () => {
    const page = await newPage(browser)
    await signIn(page, server.url, ADMIN.email, ADMIN.password)
    await page.getByRole('link', { name: 'API tokens' }).click()
    await page.getByLabel('Name').fill('ci')
    await page.getByRole('button', { name: 'Create token' }).click()
    const secret = await page.locator('.secret').innerText()
    expect(secret.length).toBeGreaterThan(20)
    await page.getByRole('button', { name: 'Done' }).click()
    await page.reload()
    await page.getByRole('cell', { name: 'ci', exact: true }).waitFor()
    expect(await page.content()).not.toContain(secret)
    await page.context().close()
  })
})
