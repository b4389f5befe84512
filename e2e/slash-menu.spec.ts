/**
 * User stories: the "/" menu, by keyboard only. Alice types "/" in an empty line: a menu of
 * blocks opens under it, the document keeps focus and names the highlighted block; typing
 * filters it, the arrows move, Enter applies the block and takes "/list" away, and one undo
 * brings it back. Bob, in his own browser, sees her "/list" as the plain text it is, never a
 * menu, and then the list. Escape closes the menu and leaves the text; "Image" opens the
 * toolbar's image dialog; inside code, after a letter, and on view-only pages there is no menu.
 * axe finds nothing serious with the menu open.
 */
import type { Locator } from '@playwright/test';
import { ALICE, BOB, expect, test, VERA, type TandemPage } from './fixtures';
import { seriousViolations } from './support-axe';
import { expectSameDocument } from './support-editor';

function slashMenuOf(tandem: TandemPage) {
  const menu = tandem.page.getByRole('listbox', { name: 'Insert a block' });
  return { menu, options: menu.getByRole('option'), option: (name: string) => menu.getByRole('option', { name, exact: true }) };
}

/** The option the document names as highlighted (aria-activedescendant) — the one Enter applies. */
async function expectHighlighted(tandem: TandemPage, option: Locator): Promise<void> {
  await expect(option).toHaveAttribute('aria-selected', 'true');
  const id = await option.getAttribute('id');
  await expect(tandem.editor).toHaveAttribute('aria-activedescendant', id!);
}

test('the slash menu filters, moves with the arrows, applies a block in one undo step, and is plain text for others', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  const { menu, options, option } = slashMenuOf(alice);
  await alice.editor.focus();
  await alice.typeInEditor('/');

  await expect(menu).toBeVisible();
  await expect(options).toHaveText([
    /^Heading 1/,
    /^Heading 2/,
    /^Heading 3/,
    /^Bullet list/,
    /^Numbered list/,
    /^Task list/,
    /^Quote/,
    /^Code block/,
    'Table',
    'Divider',
    'Image',
  ]);
  await expect(alice.editor).toBeFocused();
  await expect(alice.editor).toHaveAttribute('aria-controls', (await menu.getAttribute('id'))!);
  await expectHighlighted(alice, option('Heading 1'));
  expect(await seriousViolations(alice.page)).toEqual([]);

  await alice.typeInEditor('list');
  await expect(options).toHaveText([/^Bullet list/, /^Numbered list/, /^Task list/]);
  // Bob has the text she typed and nothing else: no menu, no decoration.
  await expect.poll(() => bob.documentText()).toBe('/list');
  await expect(slashMenuOf(bob).menu).toHaveCount(0);
  await expect(bob.editor.locator('.slash-query')).toHaveCount(0);

  await alice.page.keyboard.press('ArrowDown');
  await alice.page.keyboard.press('ArrowDown');
  await expectHighlighted(alice, option('Task list'));
  await alice.page.keyboard.press('ArrowDown');
  await expectHighlighted(alice, option('Bullet list'));
  await alice.page.keyboard.press('ArrowUp');
  await alice.page.keyboard.press('ArrowUp');
  await expectHighlighted(alice, option('Numbered list'));
  await alice.page.keyboard.press('Enter');

  await expect(menu).toHaveCount(0);
  await expect(alice.editor).not.toHaveAttribute('aria-activedescendant', /.*/);
  await expect(alice.editor.locator('ol > li')).toHaveCount(1);
  await expect(bob.editor.locator('ol > li')).toHaveCount(1);
  await expect(bob.editor).not.toContainText('/list');

  // One undo takes the choice back, "/list" included; redo applies it again.
  await alice.page.keyboard.press('Control+z');
  await expect(alice.editor.locator('ol')).toHaveCount(0);
  await expect.poll(() => alice.documentText()).toBe('/list');
  await expect.poll(() => bob.documentText()).toBe('/list');
  await alice.page.keyboard.press('Control+Shift+z');
  await expect(alice.editor.locator('ol > li')).toHaveCount(1);
  await expect(alice.editor).not.toContainText('/list');

  // (Where redo leaves the caret is Yjs' business: the list is at the document's start.)
  await alice.page.keyboard.press('Control+Home');
  await alice.typeInEditor('First step');
  await expect(alice.editor.locator('ol > li')).toHaveText('First step');
  await expectSameDocument(alice, bob);
});

test('Escape closes the menu and keeps the text; a filter that finds nothing closes it; keywords find blocks', async ({ openTogether }) => {
  const [alice] = await openTogether(ALICE);
  const { menu, options } = slashMenuOf(alice);
  await alice.editor.focus();

  await alice.typeInEditor('/hea');
  await expect(options).toHaveCount(3);
  await alice.page.keyboard.press('Escape');
  await expect(menu).toHaveCount(0);
  await expect.poll(() => alice.documentText()).toBe('/hea');
  // Enter is a new line again, not a choice.
  await alice.page.keyboard.press('Enter');
  await expect.poll(() => alice.documentText()).toBe('/hea\n');

  await alice.typeInEditor('/zzz');
  await expect(menu).toHaveCount(0);
  await alice.page.keyboard.press('Enter');
  await expect.poll(() => alice.documentText()).toBe('/hea\n/zzz\n');

  // After a space, by keyword: "h2" is Heading 2.
  await alice.typeInEditor('Plan /h2');
  await expect(options).toHaveText([/^Heading 2/]);
  await alice.page.keyboard.press('Enter');
  await expect(alice.editor.getByRole('heading', { level: 2 })).toHaveText('Plan ');

  // "/hr" is the divider; "/table" a 3×3 table with a header row.
  await alice.page.keyboard.press('End');
  await alice.page.keyboard.press('Enter');
  await alice.typeInEditor('/hr');
  await alice.page.keyboard.press('Enter');
  await expect(alice.editor.locator('hr')).toHaveCount(1);
  await alice.typeInEditor('/table');
  await alice.page.keyboard.press('Enter');
  await expect(alice.editor.locator('table th')).toHaveCount(3);
  await expect(alice.editor.locator('table td')).toHaveCount(6);
  // Inside the table there is no second table to insert.
  await alice.typeInEditor('/ta');
  await expect(options).toHaveText([/^Task list/]);
  await alice.page.keyboard.press('Escape');

  // No menu after a letter ("and/or") or inside code.
  await alice.page.keyboard.press('Control+End');
  await alice.typeInEditor('and/or');
  await expect(menu).toHaveCount(0);
  await alice.page.keyboard.press('Enter');
  await alice.typeInEditor('``` ');
  await alice.typeInEditor('/usr/bin');
  await expect(alice.editor.locator('pre')).toHaveText('/usr/bin');
  await expect(menu).toHaveCount(0);
});

test('“Image” in the slash menu opens the toolbar’s image dialog, and the image reaches the other person', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  await alice.editor.focus();
  await alice.typeInEditor('/ima');
  await expect(slashMenuOf(alice).options).toHaveText(['Image']);
  await alice.page.keyboard.press('Enter');

  const dialog = alice.page.getByRole('dialog', { name: 'Insert image' });
  await expect(dialog).toBeVisible();
  await expect.poll(() => alice.documentText()).toBe('');
  // The dialog opens on its upload field; the address is the next field.
  await expect(dialog.getByLabel('Upload from this device')).toBeFocused();
  await alice.page.keyboard.press('Tab');
  await expect(dialog.getByRole('textbox', { name: 'Image address' })).toBeFocused();
  await alice.page.keyboard.type('https://example.com/chart.png');
  await alice.page.keyboard.press('Tab');
  await alice.page.keyboard.type('Sales chart');
  await alice.page.keyboard.press('Enter');
  await expect(dialog).toHaveCount(0);
  await expect(bob.editor.getByRole('img', { name: 'Sales chart' })).toHaveAttribute('src', 'https://example.com/chart.png');
});

test('the menu never opens on a view-only page, nor for the person reading along', async ({ openTogether, personAs }) => {
  const [alice] = await openTogether(ALICE);
  const viewLink = await alice.readViewLink();
  const vera = await personAs(VERA);
  await vera.openViewLink(viewLink);

  await alice.editor.focus();
  await alice.typeInEditor('/');
  await expect(slashMenuOf(alice).menu).toBeVisible();
  await expect.poll(() => vera.documentText()).toBe('/');
  await vera.page.keyboard.press('/');
  await expect(slashMenuOf(vera).menu).toHaveCount(0);
  await expect(vera.editor.locator('.slash-query')).toHaveCount(0);
});

test('a click on a block in the menu applies it too, and the caret stays in the document', async ({ openTogether }) => {
  const [alice] = await openTogether(ALICE);
  await alice.editor.focus();
  await alice.typeInEditor('/q');
  await slashMenuOf(alice).option('Quote').click();
  await expect(slashMenuOf(alice).menu).toHaveCount(0);
  await expect(alice.editor).toBeFocused();
  await alice.typeInEditor('Quoted');
  await expect(alice.editor.locator('blockquote')).toHaveText('Quoted');
});
