/** User stories: choosing your name, seeing who is here, and undo that undoes only your edits. */
import { ALICE, BOB, expect, test } from './fixtures';

test('renaming yourself updates your caret label and presence chip for the other person', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  await expect(alice.presence).toContainText('Bob');

  const nameField = bob.page.getByRole('textbox', { name: 'Your name' });
  await expect(nameField).toHaveValue('Bob');
  await nameField.fill('Robert');
  await nameField.press('Enter');

  await bob.placeCaret('end');
  await bob.typeInEditor('Hi');
  await expect(alice.presence).toContainText('Robert');
  await expect(alice.caretLabel('Robert')).toBeVisible();

  // The name is remembered in this browser.
  await bob.page.reload();
  await expect(bob.page.getByRole('textbox', { name: 'Your name' })).toHaveValue('Robert');
});

test('a person with no saved identity gets a friendly random name', async ({ browser, room }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`/d/${room}`);
  await expect(page.getByRole('status', { name: 'Connection' })).toHaveText('Connected');
  await expect(page.getByRole('textbox', { name: 'Your name' })).toHaveValue(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
  await context.close();
});

test('undo removes only your own edits, never the other person’s', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);

  await alice.placeCaret('end');
  await alice.typeInEditor('Alice one.');
  await alice.page.keyboard.press('Enter');
  await expect.poll(() => bob.documentText()).toBe('Alice one.\n');
  await bob.placeCaret('end');
  await bob.typeInEditor('Bob one.');
  await expect.poll(() => alice.documentText()).toBe('Alice one.\nBob one.');

  // Alice undoes until she has nothing left to undo: Bob's line stays.
  await alice.editor.focus();
  for (let i = 0; i < 10; i++) await alice.page.keyboard.press('Control+z');
  await expect.poll(() => bob.documentText()).toBe('Bob one.');
  await expect.poll(() => alice.documentText()).toBe('Bob one.');

  // Redo brings her text back for both.
  // KeyZ, not "z": a real keyboard sends Shift+Z with its key code, which is what ProseMirror maps.
  for (let i = 0; i < 10; i++) await alice.page.keyboard.press('Control+Shift+KeyZ');
  await expect.poll(() => bob.documentText()).toBe('Alice one.\nBob one.');
});
