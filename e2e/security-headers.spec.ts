/**
 * Security headers (security review L1): every page carries a CSP whose scripts need a
 * per-request nonce, may not be framed, sends no Referer onwards and may not be sniffed; and
 * the CSP costs the people using Tandem nothing: co-editing, sharing, a reader, dark mode,
 * export and import run without a single violation.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from '@playwright/test';
import { ALICE, BOB, expect, test, VERA, type TandemPage } from './fixtures';
import { exportAs, importMarkdown } from './support-editor';

/** Records this page's CSP violations (events and console reports) from its first script on. */
async function watchViolations(tandem: TandemPage): Promise<() => Promise<string[]>> {
  const reported: string[] = [];
  tandem.page.on('console', (message) => {
    if (/Content Security Policy|Content-Security-Policy/i.test(message.text())) reported.push(message.text());
  });
  await tandem.page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (event) => {
      seen.push(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'} (${event.sourceFile}:${event.lineNumber})`);
    });
  });
  return async () => [
    ...reported,
    ...(await tandem.page.evaluate(() => (window as unknown as { cspViolations?: string[] }).cspViolations ?? [])),
  ];
}

async function headersOf(page: Page, path: string): Promise<Record<string, string>> {
  const response = await page.request.get(path);
  expect(response.status(), path).toBe(200);
  return response.headers();
}

test('pages, API and health answers carry the security headers; each page its own nonce', async ({ personAs, room }) => {
  const alice = await personAs(ALICE);
  await alice.openDocument(room);
  const viewLink = await alice.readViewLink();
  const nonces = new Set<string>();
  for (const path of ['/', `/d/${room}`, new URL(viewLink).pathname, `/d/${room}`]) {
    const headers = await headersOf(alice.page, path);
    expect(headers['referrer-policy'], path).toBe('no-referrer');
    expect(headers['x-content-type-options'], path).toBe('nosniff');
    const csp = headers['content-security-policy'];
    expect(csp, path).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/]+=*' 'strict-dynamic'/);
    expect(csp, path).toContain("frame-ancestors 'none'");
    expect(csp, path).toContain("object-src 'none'");
    expect(csp, path).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    nonces.add(/'nonce-([^']+)'/.exec(csp)![1]);
  }
  expect(nonces.size).toBe(4);
  for (const path of ['/healthz', '/metrics', `/api/rooms/${room}/view-link`]) {
    expect((await headersOf(alice.page, path))['x-content-type-options'], path).toBe('nosniff');
  }
});

test('markup injected into a page cannot run script, and the attempt is reported', async ({ personAs, room }) => {
  const alice = await personAs(ALICE);
  const violations = await watchViolations(alice);
  await alice.openDocument(room);
  // What an HTML injection would try: an inline event handler.
  await alice.page.evaluate(() => document.body.insertAdjacentHTML('beforeend', '<img alt="" src="data:," onerror="window.injected = true">'));
  await expect.poll(async () => (await violations()).length).toBeGreaterThan(0);
  for (const violation of await violations()) expect(violation).toMatch(/script-src|inline event handler/);
  expect(await alice.page.evaluate(() => (window as unknown as { injected?: boolean }).injected)).toBeUndefined();
});

test('two people co-edit, share, read along, switch to dark mode, export and import without a CSP violation', async ({
  openTogether,
  personAs,
}) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  const violations = [await watchViolations(alice), await watchViolations(bob)];
  // Reload so the watchers run from each page's first script (the theme boot script included).
  for (const person of [alice, bob]) {
    await person.page.reload();
    await expect(person.connection).toHaveText('Connected');
  }
  await alice.placeCaret('end');
  await alice.typeInEditor('Written under a strict policy.');
  await expect.poll(() => bob.documentText()).toBe('Written under a strict policy.');
  await bob.placeCaret('end');
  await bob.typeInEditor(' Bob agrees.');
  await expect.poll(() => alice.documentText()).toBe('Written under a strict policy. Bob agrees.');

  const viewLink = await alice.readViewLink();
  const vera = await personAs(VERA);
  violations.push(await watchViolations(vera));
  await vera.openViewLink(viewLink);
  await expect.poll(() => vera.documentText()).toBe('Written under a strict policy. Bob agrees.');

  await alice.themeToggle.getByRole('button', { name: 'Dark' }).click();
  await expect(alice.page.locator('html')).toHaveAttribute('data-theme', 'dark');
  const exported = await exportAs(alice.page, 'Markdown (.md)');
  expect(exported.text).toContain('Bob agrees.');
  await exportAs(alice.page, 'HTML (.html)');
  await importMarkdown(alice, 'notes.md', '# Imported\n\nA [link](https://example.com/).\n\n![a picture](https://example.com/picture.png)\n');
  await expect(alice.editor.getByRole('heading', { name: 'Imported' })).toBeVisible();

  for (const read of violations) expect(await read()).toEqual([]);
});

test('following a link in a document sends no Referer, so the link never learns the document’s address', async ({
  openTogether,
  personAs,
}) => {
  // Referer of each request for the linked page (not the favicon the page itself then asks for).
  const referers: (string | undefined)[] = [];
  const target = http.createServer((request, response) => {
    if (request.url === '/landing') referers.push(request.headers.referer);
    response.writeHead(200, { 'content-type': 'text/html' }).end('<title>Elsewhere</title><p>Elsewhere</p>');
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/landing`;
  try {
    const [alice] = await openTogether(ALICE);
    await alice.placeCaret('end');
    await alice.typeInEditor('See ');
    await alice.page.keyboard.press('ControlOrMeta+k');
    const dialog = alice.page.getByRole('dialog', { name: 'Add link' });
    await dialog.getByRole('textbox', { name: 'Link address' }).fill(targetUrl);
    await dialog.getByRole('button', { name: 'Add link' }).click();
    const vera = await personAs(VERA);
    await vera.openViewLink(await alice.readViewLink());
    const link = vera.editor.locator(`a[href="${targetUrl}"]`);
    await expect(link).toBeVisible();
    // The link may open a new tab; either way the target must see no Referer.
    const opened = vera.page.context().waitForEvent('page', { timeout: 5_000 }).catch(() => null);
    await link.click();
    await expect.poll(() => referers.length).toBeGreaterThan(0);
    await opened;
    expect(referers).toEqual([undefined]);
  } finally {
    target.close();
  }
});
