/** User stories: naming a document together, and seeing that name in the tab and the recent list. */
import { ALICE, BOB, expect, test, VERA } from './fixtures';

test('renaming the document updates the other person’s title and tab, and both recent lists', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  await expect(alice.title).toHaveAttribute('placeholder', 'Untitled document');
  await expect(bob.page).toHaveTitle('Untitled document — Tandem');

  await alice.renameDocument('Trip notes');
  await expect(bob.title).toHaveValue('Trip notes');
  await expect(bob.page).toHaveTitle('Trip notes — Tandem');
  await expect(alice.page).toHaveTitle('Trip notes — Tandem');

  // Bob never typed the title, yet his home page lists the document under its new name.
  for (const person of [bob, alice]) {
    await person.page.goto('/');
    const recent = person.page.getByRole('region', { name: 'Recent documents' }).getByRole('link');
    await expect(recent.first()).toContainText('Trip notes');
  }
});

test('two people editing the title at once keep both edits, and the caret stays where it was', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  await alice.renameDocument('Trip notes');
  await expect(bob.title).toHaveValue('Trip notes');

  // Bob puts his caret after "Trip"; Alice adds a word in front of it meanwhile.
  await bob.title.click();
  await bob.title.press('Home');
  for (let i = 0; i < 'Trip'.length; i++) await bob.title.press('ArrowRight');
  await alice.title.click();
  await alice.title.press('Home');
  await alice.page.keyboard.type('Rome ', { delay: 15 });
  await expect(bob.title).toHaveValue('Rome Trip notes');

  // Bob's caret moved with his text: what he types lands after "Trip", not at the end.
  await bob.page.keyboard.type('s', { delay: 15 });
  await expect(alice.title).toHaveValue('Rome Trips notes');
  await expect(bob.title).toHaveValue('Rome Trips notes');
});

test('a rename by someone else during an IME composition neither breaks it nor is lost', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  await alice.renameDocument('Trip notes');
  await expect(bob.title).toHaveValue('Trip notes');

  // Bob composes Japanese at the end of the title with an input method.
  await bob.title.click();
  await bob.title.press('End');
  await bob.page.keyboard.type(' ', { delay: 15 });
  await bob.title.evaluate((title) => {
    (window as unknown as { compositionsEnded: number }).compositionsEnded = 0;
    title.addEventListener('compositionend', () => (window as unknown as { compositionsEnded: number }).compositionsEnded++);
  });
  const compositionsEnded = () => bob.page.evaluate(() => (window as unknown as { compositionsEnded: number }).compositionsEnded);
  const ime = await bob.page.context().newCDPSession(bob.page);
  await ime.send('Input.imeSetComposition', { text: 'に', selectionStart: 1, selectionEnd: 1 });
  await ime.send('Input.imeSetComposition', { text: 'にほ', selectionStart: 2, selectionEnd: 2 });
  // Nobody else sees a half-composed word.
  await expect(alice.title).toHaveValue('Trip notes ');

  // Meanwhile Alice renames the start of the title.
  await alice.title.click();
  await alice.title.press('Home');
  await alice.page.keyboard.type('Rome ', { delay: 15 });
  await expect(alice.title).toHaveValue('Rome Trip notes ');

  // Bob goes on composing and commits: the composition was not cut short by Alice's change.
  await expect(bob.title).toHaveValue('Trip notes にほ');
  await ime.send('Input.imeSetComposition', { text: 'にほん', selectionStart: 3, selectionEnd: 3 });
  expect(await compositionsEnded()).toBe(0);
  await ime.send('Input.insertText', { text: '日本' });
  expect(await compositionsEnded()).toBe(1);
  await expect(bob.title).toHaveValue('Rome Trip notes 日本');
  await expect(alice.title).toHaveValue('Rome Trip notes 日本');
  // And Bob's caret is still at the end of what he composed.
  await bob.page.keyboard.type('!', { delay: 15 });
  await expect(alice.title).toHaveValue('Rome Trip notes 日本!');
});

test('Enter in the title moves into the text', async ({ openTogether }) => {
  const [alice] = await openTogether(ALICE);
  await alice.renameDocument('Shopping');
  await alice.title.press('Enter');
  await expect(alice.editor).toBeFocused();
  await alice.typeInEditor('Milk');
  await expect.poll(() => alice.documentText()).toBe('Milk');
  await expect(alice.title).toHaveValue('Shopping');
});

test('a reader on the view link sees the live title but cannot change it', async ({ openTogether, personAs }) => {
  const [alice] = await openTogether(ALICE);
  await alice.renameDocument('Minutes');
  const link = await alice.readViewLink();
  const vera = await personAs(VERA);
  await vera.openViewLink(link);
  await expect(vera.title).toHaveValue('Minutes');
  await expect(vera.title).toHaveAttribute('readonly', '');
  await expect(vera.page).toHaveTitle('Minutes — Tandem');

  await alice.renameDocument('Minutes, 3 March');
  await expect(vera.title).toHaveValue('Minutes, 3 March');
  await vera.title.click();
  await vera.page.keyboard.type('x');
  await expect(vera.title).toHaveValue('Minutes, 3 March');
  await expect(alice.title).toHaveValue('Minutes, 3 March');
});
