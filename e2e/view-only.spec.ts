/**
 * User stories: sharing a read-only view link. A reader follows the document live, cannot
 * change it, shows up as "(viewing)", and never learns the room id; replacing the view link
 * cuts off everyone on the old one at once.
 */
import { ALICE, BOB, expect, test, VERA, VICTOR, VIEW_ONLY_BANNER } from './fixtures';

const REVOKED_MESSAGE = 'This view link no longer works. Ask for a new one.';

test('a reader on the view link follows live, cannot change anything, shows as viewing and never sees the room id', async ({
  personAs,
  room,
  request,
}) => {
  const alice = await personAs(ALICE);
  await alice.openDocument(room);
  await alice.placeCaret('end');
  await alice.typeInEditor('Written before Vera came.');
  const viewLink = await alice.readViewLink();
  expect(viewLink).toMatch(/\/v\/[A-Za-z0-9_-]{22}$/);
  expect(viewLink).not.toContain(room);

  const vera = await personAs(VERA);
  await vera.openViewLink(viewLink);
  await expect(vera.viewOnlyBanner).toHaveText(VIEW_ONLY_BANNER);
  await expect(vera.editor).toHaveAttribute('contenteditable', 'false');
  await expect.poll(() => vera.documentText()).toBe('Written before Vera came.');
  // Nothing to save and nothing to share for a reader.
  await expect(vera.saveStatus).toHaveCount(0);
  await expect(vera.page.getByRole('button', { name: 'Share', exact: true })).toHaveCount(0);

  // Vera tries to write: the text stays as it was.
  await vera.editor.click();
  await vera.page.keyboard.type('Vera was here');
  await vera.page.keyboard.press('Enter');
  await vera.page.keyboard.press('Backspace');
  await vera.page.keyboard.press('Control+a');
  await vera.page.keyboard.press('Delete');
  expect(await vera.documentText()).toBe('Written before Vera came.');

  // Alice keeps writing (back in the editor after the dialog): it reaches Vera live.
  await alice.placeCaret('end');
  await alice.typeInEditor(' And more.');
  const expected = 'Written before Vera came. And more.';
  await expect.poll(() => vera.documentText()).toBe(expected);
  await expect(alice.saveStatus).toHaveText('Saved');
  expect(await alice.documentText()).toBe(expected);
  // What the server stored holds nothing of Vera's keystrokes either.
  const bob = await personAs(BOB);
  await bob.openDocument(room);
  await expect.poll(() => bob.documentText()).toBe(expected);

  // Presence: Alice sees Vera marked as viewing; Vera sees Alice (not viewing) and herself marked.
  await expect(alice.presence.getByRole('listitem').filter({ hasText: 'Vera' })).toHaveText('Vera (viewing)');
  await expect(vera.presence.getByRole('listitem').filter({ hasText: 'Alice' })).toHaveText('Alice');
  await expect(vera.page.getByText('(viewing)', { exact: true })).toBeVisible();

  // The room id is nowhere on the view page: not in its URL, the server's HTML, the live DOM,
  // or anything it kept in the browser.
  expect(vera.page.url()).not.toContain(room);
  const served = await request.get(new URL(viewLink).pathname);
  expect(served.ok()).toBe(true);
  expect(await served.text()).not.toContain(room);
  expect(await vera.page.content()).not.toContain(room);
  const kept = await vera.page.evaluate(async () => ({
    localStorage: JSON.stringify({ ...window.localStorage }),
    indexedDb: (await indexedDB.databases()).map((database) => database.name),
  }));
  expect(kept.localStorage).not.toContain(room);
  expect(kept.indexedDb).toEqual([]);
});

test('creating a new view link cuts off the old one at once, for good; the new one works', async ({ personAs, room }) => {
  const alice = await personAs(ALICE);
  await alice.openDocument(room);
  await alice.placeCaret('end');
  await alice.typeInEditor('Before the new link.');
  const oldLink = await alice.readViewLink();

  const vera = await personAs(VERA);
  await vera.openViewLink(oldLink);
  await expect.poll(() => vera.documentText()).toBe('Before the new link.');

  const newLink = await alice.createNewViewLink();
  expect(newLink).not.toBe(oldLink);
  expect(newLink).not.toContain(room);

  // Vera, on the old link, is told at once; her page stops following the document.
  // (Filtered: Next.js' route announcer is an alert region too.)
  await expect(vera.page.getByRole('alert').filter({ hasText: REVOKED_MESSAGE })).toBeVisible();
  await expect(vera.connection).toHaveText('Disconnected by the server');

  // Alice writes on. Victor, on the new link, gets it; Vera does not.
  await alice.placeCaret('end');
  await alice.typeInEditor(' After it.');
  const victor = await personAs(VICTOR);
  await victor.openViewLink(newLink);
  await expect.poll(() => victor.documentText()).toBe('Before the new link. After it.');
  await alice.typeInEditor(' Live.');
  await expect.poll(() => victor.documentText()).toBe('Before the new link. After it. Live.');
  expect(await vera.documentText()).toBe('Before the new link.');
  await expect(vera.connection).toHaveText('Disconnected by the server');

  // Opening the old link again never shows the document: the server refuses the connection.
  await vera.page.goto(oldLink);
  await expect(vera.viewOnlyBanner).toBeVisible();
  await expect(vera.page.getByRole('status').filter({ hasText: 'Still trying to reach this document' })).toBeVisible();
  await expect(vera.connection).not.toHaveText('Connected');
  expect(await vera.documentText()).toBe('');

  // The new link works for Vera too.
  await vera.openViewLink(newLink);
  await expect.poll(() => vera.documentText()).toBe('Before the new link. After it. Live.');
  await expect(alice.presence).toContainText('Vera (viewing)');
});
