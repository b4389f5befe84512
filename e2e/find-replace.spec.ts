/**
 * User stories: finding and replacing in a document while someone else types in it. Ctrl+F
 * opens the find bar (count, next/previous, match case, whole word, every match highlighted and
 * the current one distinct); the other person's new match is counted at once; Ctrl+H replaces
 * one match or all of them, and one Ctrl+Z takes a replace all back for everyone; Escape closes
 * the bar with focus back in the document where the caret was. Readers find but cannot replace.
 */
import type { Locator } from '@playwright/test';
import { ALICE, BOB, expect, test, VERA, type TandemPage } from './fixtures';
import { seriousViolations } from './support-axe';

/** The find bar of a page and its parts. */
function findBar(person: TandemPage) {
  const bar = person.page.getByRole('search', { name: 'Find in document' });
  return {
    bar,
    field: bar.getByRole('textbox', { name: 'Find', exact: true }),
    replaceField: bar.getByRole('textbox', { name: 'Replace with' }),
    count: bar.getByRole('status', { name: 'Matches' }),
    button: (name: string): Locator => bar.getByRole('button', { name, exact: true }),
    matches: person.editor.locator('.find-match'),
    current: person.editor.locator('.find-match-current'),
  };
}

const TEXT = 'The cat sat. A Cat ran. concatenate cat';

test('find counts and steps through matches, with match case and whole word, live as the other person types', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  await alice.placeCaret('start');
  await alice.typeInEditor(TEXT, 5);
  await expect.poll(() => bob.documentText()).toBe(TEXT);
  // The caret goes back to just after "The " before Alice opens the bar.
  await alice.page.keyboard.press('Home');
  for (let i = 0; i < 4; i += 1) await alice.page.keyboard.press('ArrowRight');

  const find = findBar(alice);
  await alice.page.keyboard.press('ControlOrMeta+f');
  await expect(find.field).toBeFocused();
  await expect(find.replaceField).toBeHidden();
  await alice.page.keyboard.type('cat');
  await expect(find.count).toHaveText('1 of 4');
  await expect(find.matches).toHaveCount(4);
  await expect(find.current).toHaveCount(1);
  await expect(find.current).toHaveText('cat');
  const currentBackground = await find.current.evaluate((element) => getComputedStyle(element).backgroundColor);
  const otherBackground = await find.matches.nth(1).evaluate((element) => getComputedStyle(element).backgroundColor);
  expect(currentBackground).not.toBe(otherBackground);
  expect(await seriousViolations(alice.page)).toEqual([]);

  // Enter and Shift+Enter, and the buttons, wrapping round.
  await find.field.press('Enter');
  await expect(find.count).toHaveText('2 of 4');
  await expect(find.current).toHaveText('Cat');
  await find.field.press('Shift+Enter');
  await find.field.press('Shift+Enter');
  await expect(find.count).toHaveText('4 of 4');
  await find.button('Next match').click();
  await expect(find.count).toHaveText('1 of 4');
  await find.button('Previous match').click();
  await expect(find.count).toHaveText('4 of 4');

  await find.button('Match case').click();
  await expect(find.button('Match case')).toHaveAttribute('aria-pressed', 'true');
  await expect(find.count).toHaveText(/ of 3$/);
  await find.button('Whole word').click();
  await expect(find.count).toHaveText(/ of 2$/);
  await find.button('Match case').click();
  await expect(find.count).toHaveText(/ of 3$/);
  await expect(find.matches).toHaveText(['cat', 'Cat', 'cat']);

  // Bob types a new match meanwhile: Alice's count follows.
  await bob.placeCaret('end');
  await bob.typeInEditor(' and a cat.', 10);
  await expect(find.count).toHaveText(/ of 4$/);
  await expect(find.matches).toHaveCount(4);
  await bob.typeInEditor(' cats', 10);
  await expect(find.count).toHaveText(/ of 4$/);

  // Escape: the bar closes, the highlights go, and typing lands where the caret was.
  await find.field.press('Escape');
  await expect(find.bar).toBeHidden();
  await expect(find.matches).toHaveCount(0);
  await expect(alice.editor).toBeFocused();
  await alice.page.keyboard.type('black ');
  await expect.poll(() => bob.documentText()).toMatch(/^The black cat sat\./);
});

test('replace one match, then replace all; one undo takes replace all back for both people', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  await alice.placeCaret('start');
  await alice.typeInEditor(TEXT, 5);
  await expect.poll(() => bob.documentText()).toBe(TEXT);
  await alice.page.keyboard.press('ControlOrMeta+Home');

  const find = findBar(alice);
  await alice.page.keyboard.press('ControlOrMeta+h');
  await expect(find.field).toBeFocused();
  await alice.page.keyboard.type('cat');
  await find.button('Whole word').click();
  await expect(find.count).toHaveText('1 of 3');
  await find.replaceField.fill('dog');
  await find.button('Replace').click();
  await expect.poll(() => bob.documentText()).toBe('The dog sat. A Cat ran. concatenate cat');
  await expect(find.count).toHaveText('1 of 2');
  await expect(find.current).toHaveText('Cat');

  await find.button('Replace all').click();
  await expect(find.count).toHaveText('Replaced 2 matches');
  const replaced = 'The dog sat. A dog ran. concatenate dog';
  await expect.poll(() => alice.documentText()).toBe(replaced);
  await expect.poll(() => bob.documentText()).toBe(replaced);

  // One Ctrl+Z in the document takes back both replacements of replace all, nothing more.
  await find.field.press('Escape');
  await expect(alice.editor).toBeFocused();
  await alice.page.keyboard.press('ControlOrMeta+z');
  const beforeReplaceAll = 'The dog sat. A Cat ran. concatenate cat';
  await expect.poll(() => alice.documentText()).toBe(beforeReplaceAll);
  await expect.poll(() => bob.documentText()).toBe(beforeReplaceAll);
});

test('a reader finds in a view-only page but has no replace', async ({ openTogether, personAs }) => {
  const [alice] = await openTogether(ALICE);
  await alice.placeCaret('start');
  await alice.typeInEditor(TEXT, 5);
  const vera = await personAs(VERA);
  await vera.openViewLink(await alice.readViewLink());
  await expect.poll(() => vera.documentText()).toBe(TEXT);
  await vera.editor.click();

  const find = findBar(vera);
  // Ctrl+H opens find alone; Ctrl+F too.
  await vera.page.keyboard.press('ControlOrMeta+h');
  await expect(find.field).toBeFocused();
  await expect(find.replaceField).toHaveCount(0);
  await find.field.press('Escape');
  await expect(find.bar).toBeHidden();
  await vera.page.keyboard.press('ControlOrMeta+f');
  await expect(find.field).toBeFocused();
  await vera.page.keyboard.type('CAT');
  await expect(find.count).toHaveText('1 of 4');
  await expect(find.replaceField).toHaveCount(0);
  await expect(find.button('Show replace')).toHaveCount(0);
  expect(await seriousViolations(vera.page)).toEqual([]);
  await find.field.press('Escape');
  await expect(find.bar).toBeHidden();
});

test.describe('dark theme', () => {
  test.use({ colorScheme: 'dark' });

  test('the find and replace bar and its highlights pass axe', async ({ openTogether }) => {
    const [alice] = await openTogether(ALICE);
    await alice.placeCaret('start');
    await alice.typeInEditor(TEXT, 5);
    const find = findBar(alice);
    // Typed straight after the shortcut: every key lands in the find field.
    await alice.page.keyboard.press('ControlOrMeta+h');
    await alice.page.keyboard.type('cat');
    await expect(find.field).toHaveValue('cat');
    await expect(find.count).toHaveText('1 of 4');
    await expect.poll(() => alice.documentText()).toBe(TEXT);
    await expect(find.replaceField).toBeVisible();
    await expect(alice.page.locator('html')).toHaveAttribute('data-theme', 'dark');
    expect(await seriousViolations(alice.page)).toEqual([]);
  });
});
