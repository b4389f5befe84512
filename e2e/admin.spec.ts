/**
 * User stories of the admin command (`npm run admin`) beside a running app: an administrator
 * deletes a document that a browser keeps an offline copy of, and the browser, reconnecting or
 * reopening it, says the document was deleted, drops its copy and never brings it back; and
 * the command's exports are the editor's own.
 */
import path from 'node:path';
import { openStorage } from '../server/storage';
import { runAdmin } from '../test/support/admin-cli';
import { ROOT } from '../test/support/spawn';
import { ALICE, expect, TandemPage, test } from './fixtures';
import { exportAs, importMarkdown } from './support-editor';

/** The database the Playwright web server runs on (playwright.config.ts), from the repository root. */
const DATABASE_URL = `sqlite:${path.join(ROOT, 'data', 'e2e', 'tandem.db')}`;

const deleteRoom = async (room: string) => {
  const run = await runAdmin(['delete', room, '--yes'], { DATABASE_URL });
  expect(run, run.stderr).toMatchObject({ code: 0, stderr: '' });
};

/** Whether the server's storage holds anything for `room`, read as another process. */
async function stored(room: string): Promise<boolean> {
  const storage = await openStorage(DATABASE_URL);
  try {
    return (await storage.holdsRoom(room)) || (await storage.listVersions(room, { limit: 1 })).length > 0;
  } finally {
    await storage.close();
  }
}

/** What the page's browser keeps of `room`: its IndexedDB copy, its unsaved count, its recent entry. */
async function keptInBrowser(tandem: TandemPage, room: string) {
  return tandem.page.evaluate(async (id) => ({
    offlineCopy: (await indexedDB.databases()).some((database) => database.name === `tandem:${id}`),
    unsavedCount: window.localStorage.getItem(`tandem:unsaved:${id}`),
    recent: (window.localStorage.getItem('tandem:recent-documents') ?? '').includes(id),
  }), room);
}

const deletedNotice = (tandem: TandemPage) => tandem.page.getByRole('alert').filter({ hasText: 'This document was deleted.' });

test('a document deleted while the browser was offline is not sent back: reconnecting shows that it was deleted and drops the copy', async ({ personAs, room }) => {
  const alice = await personAs(ALICE);
  await alice.openDocument(room);
  await alice.placeCaret('end');
  await alice.typeInEditor('Secret plans.');
  await expect(alice.saveStatus).toHaveText('Saved');
  await expect.poll(() => keptInBrowser(alice, room)).toMatchObject({ offlineCopy: true, recent: true });

  await alice.page.context().setOffline(true);
  await expect(alice.connection).not.toHaveText('Connected');
  await alice.typeInEditor(' More, offline.');
  await expect(alice.saveStatus).toHaveText(/^Offline — \d+ changes? kept on this device$/);
  await deleteRoom(room);
  expect(await stored(room)).toBe(false);

  await alice.page.context().setOffline(false);
  await expect(deletedNotice(alice)).toBeVisible({ timeout: 20_000 });
  await expect(alice.editor).toHaveCount(0);
  await expect.poll(() => keptInBrowser(alice, room)).toEqual({ offlineCopy: false, unsavedCount: null, recent: false });
  // Nothing it held reached storage, and reloading brings nothing back either.
  await alice.page.reload();
  await expect(deletedNotice(alice)).toBeVisible();
  await expect.poll(() => keptInBrowser(alice, room)).toEqual({ offlineCopy: false, unsavedCount: null, recent: false });
  expect(await stored(room)).toBe(false);
  // Leaving a deleted document never asks about unsaved changes.
  await alice.page.getByRole('link', { name: 'Back to the home page' }).click();
  await expect(alice.page).toHaveURL(/\/$/);
});

test('a document deleted after its tab was closed opens from the copy only to say it was deleted, and drops it', async ({ personAs, room }) => {
  const alice = await personAs(ALICE);
  await alice.openDocument(room);
  await alice.placeCaret('end');
  await alice.typeInEditor('Kept on this device.');
  await expect(alice.saveStatus).toHaveText('Saved');
  const context = alice.page.context();
  await alice.page.close();
  await deleteRoom(room);

  const reopened = new TandemPage(await context.newPage());
  await reopened.page.goto(`/d/${room}`);
  await expect(deletedNotice(reopened)).toBeVisible({ timeout: 20_000 });
  await expect.poll(() => keptInBrowser(reopened, room)).toEqual({ offlineCopy: false, unsavedCount: null, recent: false });
  expect(await stored(room)).toBe(false);
});

test('the command exports what the editor exports: the same HTML and Markdown', async ({ personAs }) => {
  const alice = await personAs(ALICE);
  const room = await importMarkdown(
    alice,
    'Release notes.md',
    [
      '# Release notes',
      '',
      'Ship **fast**, _carefully_ and ~~never~~ [read](https://example.com) `code`.',
      '',
      '- [x] done',
      '- [ ] next',
      '',
      '1. one',
      '2. two',
      '',
      '> quoted',
      '',
      '| a | b |',
      '| --- | --- |',
      '| 1 | 2 |',
      '',
      '```js',
      'const x = 1 < 2 && 3 > 2;',
      '```',
      '',
      '---',
      '',
      '![A logo](https://example.com/logo.png)',
      '',
    ].join('\n'),
  );
  await expect(alice.editor).toContainText('quoted');
  await expect(alice.saveStatus).toHaveText('Saved');
  const browserHtml = await exportAs(alice.page, 'HTML (.html)');
  const browserMarkdown = await exportAs(alice.page, 'Markdown (.md)');

  const html = await runAdmin(['export', room, '--format', 'html'], { DATABASE_URL });
  const markdown = await runAdmin(['export', room], { DATABASE_URL });
  expect(html.code).toBe(0);
  expect(markdown.code).toBe(0);
  expect(html.stdout).toBe(browserHtml.text);
  expect(markdown.stdout).toBe(browserMarkdown.text);
});
