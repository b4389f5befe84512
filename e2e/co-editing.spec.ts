/** User stories: two people co-edit one document in two browsers, live, with named carets. */
import { ALICE, BOB, CAROL, expect, test } from './fixtures';

test('two people typing at once in one paragraph end with the same text holding both', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);

  await alice.placeCaret('end');
  await alice.typeInEditor('Shared paragraph.', 10);
  await expect.poll(() => bob.documentText()).toBe('Shared paragraph.');

  // Same paragraph, same moment: Alice appends, Bob prepends.
  await bob.placeCaret('start');
  await Promise.all([alice.typeInEditor(' Alice was here.'), bob.typeInEditor('Bob wrote this. ')]);

  await expect.poll(async () => (await alice.documentText()) === (await bob.documentText())).toBe(true);
  const text = await alice.documentText();
  expect(text).toContain(' Alice was here.');
  expect(text).toContain('Bob wrote this. ');
  expect(text).toContain('Shared paragraph.');
  expect(text.split('\n')).toHaveLength(1);

  // Each sees the other's caret, labelled with their name, and the other in the presence bar.
  await expect(alice.caretLabel('Bob')).toBeVisible();
  await expect(bob.caretLabel('Alice')).toBeVisible();
  await expect(alice.presence).toContainText('Bob');
  await expect(bob.presence).toContainText('Alice');
});

test('a reload keeps the document and a latecomer sees all of it', async ({ openTogether, personAs, room }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);

  await alice.placeCaret('end');
  await alice.typeInEditor('First line from Alice.');
  await alice.page.keyboard.press('Enter');
  await expect.poll(() => bob.documentText()).toBe('First line from Alice.\n');
  await bob.placeCaret('end');
  await bob.typeInEditor('Second line from Bob.');
  const expected = 'First line from Alice.\nSecond line from Bob.';
  await expect.poll(() => alice.documentText()).toBe(expected);

  await alice.page.reload();
  await expect(alice.connection).toHaveText('Connected');
  await expect.poll(() => alice.documentText()).toBe(expected);

  const carol = await personAs(CAROL);
  await carol.openDocument(room);
  await expect.poll(() => carol.documentText()).toBe(expected);
  await expect(carol.presence).toContainText('Alice');
  await expect(carol.presence).toContainText('Bob');

  // Bob closes his tab: he disappears from the others' presence at once.
  await bob.page.close();
  await expect(carol.presence).not.toContainText('Bob');
});

test('"New document" opens a fresh, empty, working editor that then appears under recent documents', async ({
  personAs,
}) => {
  const alice = await personAs(ALICE);
  await alice.page.goto('/');
  await expect(alice.page.getByRole('heading', { name: 'Recent documents' })).toBeVisible();

  await alice.page.getByRole('button', { name: 'New document' }).click();
  await expect(alice.page).toHaveURL(/\/d\/[A-Za-z0-9_-]{22,}$/);
  const room = alice.roomId();
  await expect(alice.connection).toHaveText('Connected');
  expect(await alice.documentText()).toBe('');

  await alice.placeCaret('end');
  await alice.typeInEditor('A brand new document.');
  await expect.poll(() => alice.documentText()).toBe('A brand new document.');

  await alice.page.goto('/');
  const recent = alice.page.getByRole('region', { name: 'Recent documents' }).getByRole('link');
  await expect(recent.first()).toHaveAttribute('href', `/d/${room}`);

  // A second new document is a different room and goes to the top of the list.
  await alice.page.getByRole('button', { name: 'New document' }).click();
  await expect(alice.page).toHaveURL(/\/d\//);
  const second = alice.roomId();
  expect(second).not.toBe(room);
  await expect(alice.connection).toHaveText('Connected');
  expect(await alice.documentText()).toBe('');
  await alice.page.goto('/');
  await expect(recent).toHaveCount(2);
  await expect(recent.first()).toHaveAttribute('href', `/d/${second}`);
});
