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
