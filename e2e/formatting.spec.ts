/**
 * User stories: formatting a document with the toolbar, shortcuts and Markdown-style typing,
 * while a second person (their own browser context) sees every change.
 */
import type { Page } from '@playwright/test';
import { ALICE, BOB, expect, test, textWithoutCarets } from './fixtures';
import { documentStructure, expectSameDocument, toolbarButton, toolbarOf } from './support-editor';

test('formatting from the toolbar and from shortcuts appears for the other person', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  const { page } = alice;
  await alice.placeCaret('end');

  // Toolbar: a heading.
  await alice.typeInEditor('Project plan', 5);
  await toolbarButton(page, 'Heading 1').click();
  await expect(alice.editor.locator('h1')).toHaveText('Project plan');
  await page.keyboard.press('Enter');

  // Shortcut and toolbar: bold.
  await alice.typeInEditor('We ', 5);
  await page.keyboard.press('ControlOrMeta+b');
  await alice.typeInEditor('must', 5);
  await page.keyboard.press('ControlOrMeta+b');
  await alice.typeInEditor(' ship ', 5);
  await toolbarButton(page, 'Bold').click();
  await alice.typeInEditor('soon', 5);
  await toolbarButton(page, 'Bold').click();
  await page.keyboard.press('Enter');

  // Toolbar: bullet list; shortcut: task list; toolbar: code block.
  await toolbarButton(page, 'Bullet list').click();
  await alice.typeInEditor('first point', 5);
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  await page.keyboard.press('ControlOrMeta+Shift+9');
  await alice.typeInEditor('write tests', 5);
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  await toolbarButton(page, 'Code block').click();
  await alice.typeInEditor('npm test', 5);
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');

  // Toolbar: link (typed address becomes the link text), image, table.
  await alice.typeInEditor('Read ', 5);
  await toolbarButton(page, 'Link').click();
  const linkDialog = page.getByRole('dialog', { name: 'Add link' });
  await linkDialog.getByRole('textbox', { name: 'Link address' }).fill('example.com/guide');
  await linkDialog.getByRole('button', { name: 'Add link' }).click();
  await expect(linkDialog).toBeHidden();
  await page.keyboard.press('Enter');
  await toolbarButton(page, 'Image').click();
  const imageDialog = page.getByRole('dialog', { name: 'Insert image' });
  await imageDialog.getByRole('textbox', { name: 'Image address' }).fill('https://example.com/chart.png');
  await imageDialog.getByRole('textbox', { name: /Alt text/ }).fill('Sales chart');
  await imageDialog.getByRole('button', { name: 'Insert image' }).click();
  await expect(imageDialog).toBeHidden();
  await toolbarButton(page, 'Table').click();
  await alice.typeInEditor('Owner', 5);

  const editor = alice.editor;
  await expect(editor.locator('strong')).toHaveText(['must', 'soon']);
  await expect(editor.locator('ul:not([data-type]) > li')).toHaveText('first point');
  await expect(editor.locator('ul[data-type="taskList"] > li > div')).toHaveText('write tests');
  await expect(editor.locator('pre code')).toHaveText('npm test');
  await expect(editor.locator('a')).toHaveAttribute('href', 'https://example.com/guide');
  await expect(editor.getByRole('img', { name: 'Sales chart' })).toHaveAttribute('src', 'https://example.com/chart.png');
  await expect(editor.locator('table tr')).toHaveCount(3);
  await expect(editor.locator('table th')).toHaveCount(3);
  await expect(editor.locator('table th').first()).toHaveText('Owner');

  // Bob, in his own browser, sees exactly the same document.
  const structure = await expectSameDocument(alice, bob);
  expect(JSON.stringify(structure)).toContain('"tag":"h1"');
  await expect(bob.editor.getByRole('img', { name: 'Sales chart' })).toHaveAttribute('src', 'https://example.com/chart.png');
  await expect(bob.editor.locator('table th')).toHaveCount(3);
});

test('Markdown-style typing makes headings, lists, task lists, quotes and code', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  const { page } = alice;
  await alice.placeCaret('end');
  const line = async (text: string, enters = 1) => {
    await alice.typeInEditor(text, 5);
    for (let i = 0; i < enters; i++) await page.keyboard.press('Enter');
  };

  await line('# Big title');
  await line('## Section');
  await line('### Detail');
  await line('- bullet', 2);
  await line('1. numbered', 2);
  await line('[ ] a task', 2);
  await line('> wise words', 2);
  await line('Some `inline code` here');
  await alice.typeInEditor('```', 5);
  await page.keyboard.press('Enter');
  await alice.typeInEditor('let x = 1;', 5);

  const editor = alice.editor;
  await expect(editor.locator('h1')).toHaveText('Big title');
  await expect(editor.locator('h2')).toHaveText('Section');
  await expect(editor.locator('h3')).toHaveText('Detail');
  await expect(editor.locator('ul:not([data-type]) > li')).toHaveText('bullet');
  await expect(editor.locator('ol > li')).toHaveText('numbered');
  await expect(editor.locator('ul[data-type="taskList"] > li > div')).toHaveText('a task');
  await expect(editor.locator('blockquote')).toHaveText('wise words');
  await expect(editor.locator('p code')).toHaveText('inline code');
  await expect(editor.locator('pre code')).toHaveText('let x = 1;');
  await expectSameDocument(alice, bob);
});

test('toolbar buttons show the formatting at the caret', async ({ openTogether }) => {
  const [alice] = await openTogether(ALICE);
  const { page } = alice;
  await alice.placeCaret('end');
  await page.keyboard.press('ControlOrMeta+Alt+2');
  await alice.typeInEditor('Heading', 5);
  await page.keyboard.press('Enter');
  await alice.typeInEditor('plain ', 5);
  await page.keyboard.press('ControlOrMeta+i');
  await alice.typeInEditor('slanted', 5);

  await expect(toolbarButton(page, 'Italic')).toHaveAttribute('aria-pressed', 'true');
  await expect(toolbarButton(page, 'Bold')).toHaveAttribute('aria-pressed', 'false');
  await expect(toolbarButton(page, 'Heading 2')).toHaveAttribute('aria-pressed', 'false');

  // Into the plain word: italic goes off.
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowRight');
  await expect(toolbarButton(page, 'Italic')).toHaveAttribute('aria-pressed', 'false');

  // Up into the heading: Heading 2 on, Heading 1 off.
  await page.keyboard.press('ArrowUp');
  await expect(toolbarButton(page, 'Heading 2')).toHaveAttribute('aria-pressed', 'true');
  await expect(toolbarButton(page, 'Heading 1')).toHaveAttribute('aria-pressed', 'false');

  // Undo is this person's own: available after typing, and the tooltip names the shortcut.
  await expect(toolbarButton(page, 'Undo')).toBeEnabled();
  await expect(toolbarButton(page, 'Bold')).toHaveAttribute('title', /Bold \((Ctrl\+B|⌘B)\)/);
});

test('a link can be added, changed and removed, and unsafe addresses are refused', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  const { page } = alice;
  await alice.placeCaret('end');
  await alice.typeInEditor('See the docs', 5);
  for (let i = 0; i < 4; i++) await page.keyboard.press('Shift+ArrowLeft');

  await page.keyboard.press('ControlOrMeta+k');
  const addDialog = page.getByRole('dialog', { name: 'Add link' });
  const address = addDialog.getByRole('textbox', { name: 'Link address' });
  await address.fill('javascript:alert(1)');
  await addDialog.getByRole('button', { name: 'Add link' }).click();
  await expect(addDialog.getByRole('alert')).toContainText('Enter a web address');
  await address.fill('https://docs.example.com/start');
  await addDialog.getByRole('button', { name: 'Add link' }).click();
  await expect(addDialog).toBeHidden();
  await expect(bob.editor.locator('a')).toHaveAttribute('href', 'https://docs.example.com/start');
  await expect.poll(() => textWithoutCarets(bob.editor.locator('a'))).toBe('docs');

  // Caret inside the link: the dialog edits it.
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(toolbarButton(page, 'Link')).toHaveAttribute('aria-pressed', 'true');
  await toolbarButton(page, 'Link').click();
  const editDialog = page.getByRole('dialog', { name: 'Edit link' });
  await expect(editDialog.getByRole('textbox', { name: 'Link address' })).toHaveValue('https://docs.example.com/start');
  await editDialog.getByRole('textbox', { name: 'Link address' }).fill('mailto:team@example.com');
  await editDialog.getByRole('button', { name: 'Save link' }).click();
  await expect(bob.editor.locator('a')).toHaveAttribute('href', 'mailto:team@example.com');
  await expect.poll(() => textWithoutCarets(bob.editor.locator('a'))).toBe('docs');

  await toolbarButton(page, 'Link').click();
  await page.getByRole('dialog', { name: 'Edit link' }).getByRole('button', { name: 'Remove link' }).click();
  await expect(bob.editor.locator('a')).toHaveCount(0);
  await expect.poll(() => bob.documentText()).toBe('See the docs');
});

/** What a person does right after moving the selection, before the browser reports the move. */
type ActionBeforeReport = 'press Ctrl+K' | 'press Ctrl+B' | 'click Italic' | 'focus Bold';

/**
 * A fast typist (or a busy page): the browser moves the selection by `extend` (back over that
 * many characters, or whole words), and `action` comes before the browser has reported the
 * move. Both happen here in one task, so the report cannot come in between.
 */
async function moveSelectionThen(page: Page, extend: { characters: number } | { words: number }, action: ActionBeforeReport): Promise<void> {
  await page.evaluate(
    ({ extend, action }) => {
      const selection = window.getSelection()!;
      if ('words' in extend) selection.collapseToEnd();
      const [count, unit] = 'words' in extend ? [extend.words, 'word'] : [extend.characters, 'character'];
      for (let i = 0; i < count; i++) selection.modify('extend', 'backward', unit);
      const editor = document.querySelector('[role="textbox"][aria-label="Document"]')!;
      const button = (name: string) => document.querySelector<HTMLButtonElement>(`[role="toolbar"] button[aria-label="${name}"]`)!;
      const press = (key: string) =>
        editor.dispatchEvent(new KeyboardEvent('keydown', { key, code: `Key${key.toUpperCase()}`, ctrlKey: true, bubbles: true, cancelable: true }));
      if (action === 'press Ctrl+K') press('k');
      else if (action === 'press Ctrl+B') press('b');
      else if (action === 'focus Bold') button('Bold').focus();
      else {
        button('Italic').dispatchEvent(new PointerEvent('pointerdown', { bubbles: true, cancelable: true }));
        button('Italic').click();
      }
    },
    { extend, action },
  );
}

test('Mod-K pressed the instant after the selection moved links the new selection', async ({ personAs, room }) => {
  const alice = await personAs(ALICE);
  await alice.openDocument(room);
  await alice.placeCaret('end');
  await alice.typeInEditor('See the docs', 5);
  await moveSelectionThen(alice.page, { characters: 4 }, 'press Ctrl+K');
  const addDialog = alice.page.getByRole('dialog', { name: 'Add link' });
  await addDialog.getByRole('textbox', { name: 'Link address' }).fill('https://docs.example.com/start');
  await addDialog.getByRole('button', { name: 'Add link' }).click();
  await expect(addDialog).toBeHidden();
  await expect(alice.editor.locator('a')).toHaveText('docs');
  expect(await alice.documentText()).toBe('See the docs');
});

test('a shortcut or a toolbar click the instant after the selection moved formats the new selection', async ({ personAs, room }) => {
  const alice = await personAs(ALICE);
  await alice.openDocument(room);
  await alice.placeCaret('end');
  await alice.typeInEditor('See the docs', 5);
  await moveSelectionThen(alice.page, { characters: 4 }, 'press Ctrl+B');
  await expect(alice.editor.locator('strong')).toHaveText('docs');

  await moveSelectionThen(alice.page, { words: 3 }, 'click Italic');
  await expect.poll(async () => (await alice.editor.locator('em').allTextContents()).join('')).toBe('See the docs');
  expect(await alice.documentText()).toBe('See the docs');
});

test('tabbing to the toolbar the instant after the selection moved formats the new selection', async ({ personAs, room }) => {
  const alice = await personAs(ALICE);
  await alice.openDocument(room);
  await alice.placeCaret('end');
  await alice.typeInEditor('See the docs', 5);
  // Focus leaves the document for the toolbar before the move is reported.
  await moveSelectionThen(alice.page, { characters: 4 }, 'focus Bold');
  await expect(toolbarButton(alice.page, 'Bold')).toBeFocused();
  await alice.page.keyboard.press('Enter');
  await expect(alice.editor.locator('strong')).toHaveText('docs');
  expect(await alice.documentText()).toBe('See the docs');
});

test('table rows and columns can be added and removed, for everyone', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  const { page } = alice;
  await alice.placeCaret('end');
  await toolbarButton(page, 'Table').click();
  const rows = (tandem: typeof alice) => tandem.editor.locator('table tr');
  const columns = (tandem: typeof alice) => tandem.editor.locator('table tr').last().locator('th, td');
  await expect(rows(bob)).toHaveCount(3);
  await expect(columns(bob)).toHaveCount(3);
  await expect(bob.editor.locator('table tr').first().locator('th')).toHaveCount(3);
  await expect(page.getByRole('group', { name: 'Table' })).toBeVisible();

  await alice.typeInEditor('Name', 5);
  await toolbarButton(page, 'Add row after').click();
  await expect(rows(bob)).toHaveCount(4);
  await toolbarButton(page, 'Add row before').click();
  await expect(rows(bob)).toHaveCount(5);
  await toolbarButton(page, 'Add column after').click();
  await expect(columns(bob)).toHaveCount(4);
  await toolbarButton(page, 'Add column before').click();
  await expect(columns(bob)).toHaveCount(5);
  // The new row went above the caret's row, the new column left of the caret's column.
  await expect.poll(() => textWithoutCarets(bob.editor.locator('table tr').nth(1).locator('th, td').nth(1))).toBe('Name');

  await toolbarButton(page, 'Delete column').click();
  await expect(columns(bob)).toHaveCount(4);
  await toolbarButton(page, 'Delete row').click();
  await expect(rows(bob)).toHaveCount(4);
  await expectSameDocument(alice, bob);

  await toolbarButton(page, 'Delete table').click();
  await expect(bob.editor.locator('table')).toHaveCount(0);
  await expect(page.getByRole('group', { name: 'Table' })).toBeHidden();
  expect(JSON.stringify(await documentStructure(alice))).not.toContain('"tag":"table"');
});

test('at phone width the toolbar is one row of 44px buttons with the rest under More, and it works', async ({ personAs, room }) => {
  const alice = await personAs(ALICE);
  await alice.page.setViewportSize({ width: 390, height: 844 });
  await alice.openDocument(room);
  const bold = toolbarButton(alice.page, 'Bold');
  const box = await bold.boundingBox();
  expect(box!.width).toBeGreaterThanOrEqual(44);
  expect(box!.height).toBeGreaterThanOrEqual(44);
  // The page never scrolls sideways: what does not fit the row is in the More menu.
  expect(await alice.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await expect(toolbarButton(alice.page, 'Table')).toBeHidden();
  await toolbarButton(alice.page, 'More formatting').click();
  await expect(toolbarOf(alice.page).getByRole('menuitem', { name: 'Table', exact: true })).toBeInViewport();
  await alice.page.keyboard.press('Escape');
  await expect(toolbarOf(alice.page).getByRole('menu')).toBeHidden();

  await alice.placeCaret('end');
  await bold.click();
  await alice.typeInEditor('thumb typed', 5);
  await expect(alice.editor.locator('strong')).toHaveText('thumb typed');
});
