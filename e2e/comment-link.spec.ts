/**
 * User stories: sharing a comment link. The share dialog hands out three links (edit, comment,
 * view); someone on the comment link follows the document live in a read-only editor, is told
 * they can comment, shows up under their name as "(commenting)", never learns the room id, and
 * is cut off when the comment link is replaced (the view link is unaffected). axe finds nothing
 * serious on the comment page.
 */
import AxeBuilder from '@axe-core/playwright';
import { ALICE, BOB, CARLA, COMMENT_NOTICE, expect, test, VERA } from './fixtures';

const REVOKED_MESSAGE = 'This comment link no longer works. Ask for a new one.';

test('the share dialog shows the edit, comment and view links, each its own; the comment link copies', async ({ personAs, room, baseURL }) => {
  const alice = await personAs(ALICE);
  await alice.page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await alice.openDocument(room);
  const dialog = await alice.openShareDialog();
  await expect(dialog.getByRole('textbox', { name: 'Edit link' })).toHaveValue(`${baseURL}/d/${room}`);
  await expect(alice.commentLinkField()).toHaveValue(new RegExp(`^${baseURL}/c/[A-Za-z0-9_-]{22}$`));
  await expect(alice.viewLinkField()).toHaveValue(new RegExp(`^${baseURL}/v/[A-Za-z0-9_-]{22}$`));
  const commentLink = await alice.commentLinkField().inputValue();
  const viewLink = await alice.viewLinkField().inputValue();
  expect(commentLink).not.toContain(room);
  expect(commentLink.split('/').pop()).not.toBe(viewLink.split('/').pop());
  await dialog.getByRole('button', { name: 'Copy comment link' }).click();
  await expect.poll(() => alice.page.evaluate(() => navigator.clipboard.readText())).toBe(commentLink);
});

test('a commenter follows live in a read-only editor, sees the notice, shows by name as commenting, never sees the room id', async ({
  personAs,
  room,
  request,
}) => {
  const alice = await personAs(ALICE);
  await alice.openDocument(room);
  await alice.placeCaret('end');
  await alice.typeInEditor('Draft for review.');
  const commentLink = await alice.readCommentLink();

  const carla = await personAs(CARLA);
  await carla.openCommentLink(commentLink);
  await expect(carla.commentNotice).toHaveText(COMMENT_NOTICE);
  await expect(carla.viewOnlyBanner).toHaveCount(0);
  await expect(carla.editor).toHaveAttribute('contenteditable', 'false');
  await expect.poll(() => carla.documentText()).toBe('Draft for review.');
  await expect(carla.saveStatus).toHaveCount(0);
  await expect(carla.page.getByRole('button', { name: 'Share', exact: true })).toHaveCount(0);

  // Carla tries to write: nothing changes, for her or anyone.
  await carla.editor.click();
  await carla.page.keyboard.type('Carla was here');
  await carla.page.keyboard.press('Control+a');
  await carla.page.keyboard.press('Delete');
  expect(await carla.documentText()).toBe('Draft for review.');

  await alice.placeCaret('end');
  await alice.typeInEditor(' Revised.');
  const expected = 'Draft for review. Revised.';
  await expect.poll(() => carla.documentText()).toBe(expected);
  await expect(alice.saveStatus).toHaveText('Saved');
  const bob = await personAs(BOB);
  await bob.openDocument(room);
  await expect.poll(() => bob.documentText()).toBe(expected);

  // Presence: a person with a name, marked as commenting (not as an anonymous reader).
  await expect(alice.presence.getByRole('listitem').filter({ hasText: 'Carla' })).toHaveText('Carla (commenting)');
  await expect(carla.presence.getByRole('listitem').filter({ hasText: 'Alice' })).toHaveText('Alice');
  await expect(carla.page.getByText('(commenting)', { exact: true })).toBeVisible();

  expect(carla.page.url()).not.toContain(room);
  const served = await request.get(new URL(commentLink).pathname);
  expect(served.ok()).toBe(true);
  expect(await served.text()).not.toContain(room);
  expect(await carla.page.content()).not.toContain(room);
  const kept = await carla.page.evaluate(async () => ({
    localStorage: JSON.stringify({ ...window.localStorage }),
    indexedDb: (await indexedDB.databases()).map((database) => database.name),
  }));
  expect(kept.localStorage).not.toContain(room);
  expect(kept.indexedDb).toEqual([]);
});

test('replacing the comment link cuts off its commenters at once; the view link keeps working', async ({ personAs, room }) => {
  const alice = await personAs(ALICE);
  await alice.openDocument(room);
  await alice.placeCaret('end');
  await alice.typeInEditor('Shared text.');
  const oldLink = await alice.readCommentLink();
  const viewLink = await alice.readViewLink();
  const carla = await personAs(CARLA);
  await carla.openCommentLink(oldLink);
  const vera = await personAs(VERA);
  await vera.openViewLink(viewLink);

  const dialog = await alice.openShareDialog();
  await expect(alice.commentLinkField()).toHaveValue(oldLink);
  await dialog.getByRole('button', { name: 'Create a new comment link', exact: true }).click();
  await expect(dialog.getByRole('group')).toContainText('The current comment link will stop working at once, and anyone commenting through it will be disconnected.');
  await dialog.getByRole('button', { name: 'Yes, create a new comment link' }).click();
  await expect(dialog.getByRole('status').filter({ hasText: 'New comment link created' })).toBeVisible();
  await expect(alice.commentLinkField()).not.toHaveValue(oldLink);
  await expect(alice.viewLinkField()).toHaveValue(viewLink);
  const newLink = await alice.commentLinkField().inputValue();
  await dialog.getByRole('button', { name: 'Close' }).click();

  await expect(carla.page.getByRole('alert').filter({ hasText: REVOKED_MESSAGE })).toBeVisible();
  await expect(carla.connection).not.toHaveText('Connected');
  await alice.placeCaret('end');
  await alice.typeInEditor(' More.');
  await expect.poll(() => vera.documentText()).toBe('Shared text. More.');
  expect(await carla.documentText()).toBe('Shared text.');

  // The new link works; the old one stays dead on reload.
  await carla.page.reload();
  await expect(carla.commentNotice).toBeVisible();
  await expect(carla.connection).not.toHaveText('Connected');
  const carlaAgain = await personAs(CARLA);
  await carlaAgain.openCommentLink(newLink);
  await expect.poll(() => carlaAgain.documentText()).toBe('Shared text. More.');
});

for (const colorScheme of ['light', 'dark'] as const) {
  test.describe(`${colorScheme} theme`, () => {
    test.use({ colorScheme });

    test('axe finds nothing serious on the comment page', async ({ personAs, room }) => {
      const alice = await personAs(ALICE);
      await alice.openDocument(room);
      await alice.placeCaret('end');
      await alice.typeInEditor('Text to comment on.');
      const commentLink = await alice.readCommentLink();
      const carla = await personAs(CARLA);
      await carla.openCommentLink(commentLink);
      await expect.poll(() => carla.documentText()).toBe('Text to comment on.');
      await expect(carla.presence.getByRole('listitem').filter({ hasText: 'Alice' })).toHaveText('Alice');
      await expect(carla.page.locator('html')).toHaveAttribute('data-theme', colorScheme);
      const results = await new AxeBuilder({ page: carla.page }).analyze();
      const serious = results.violations
        .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
        .map((violation) => `${violation.id}: ${violation.help} — ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
      expect(serious).toEqual([]);
    });
  });
}
