/**
 * User story: writing on a phone (390×844, touch). The header is one row (title, save status,
 * Menu) and its menu holds everything the wide header shows; every toolbar action, from the
 * table the toolbar is drawn from, is reached in its row or its More menu and applied by
 * tapping; touch targets are 44 px; another person's caret label never covers the line being
 * typed; nothing scrolls sideways.
 */
import type { Locator, Page, TestInfo } from '@playwright/test';
import { TOOLBAR_ACTIONS, type ToolbarActionName } from '../components/toolbar/toolbar-actions';
import { ALICE, BOB, expect, test, VERA, type TandemPage } from './fixtures';
import { seriousViolations } from './support-axe';
import { toolbarOf } from './support-editor';

const PHONE = { width: 390, height: 844 };
test.use({ viewport: PHONE, isMobile: true, hasTouch: true });

/** The smallest touch target, in CSS pixels. */
const MIN_TARGET_PX = 44;

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

async function attachScreenshot(testInfo: TestInfo, name: string, page: Page, locator?: Locator): Promise<void> {
  const body = locator ? await locator.screenshot() : await page.screenshot();
  await testInfo.attach(name, { body, contentType: 'image/png' });
}

async function nothingScrollsSideways(page: Page): Promise<void> {
  const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, viewport: window.innerWidth }));
  expect(widths.page, 'the page is no wider than the phone').toBeLessThanOrEqual(widths.viewport);
}

function expectTouchTarget(box: Box | null, what: string): void {
  expect(box, `${what} is laid out`).not.toBeNull();
  expect(box!.width, `${what} is wide enough to tap`).toBeGreaterThanOrEqual(MIN_TARGET_PX);
  expect(box!.height, `${what} is tall enough to tap`).toBeGreaterThanOrEqual(MIN_TARGET_PX);
  expect(box!.x, `${what} starts on screen`).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width, `${what} ends on screen`).toBeLessThanOrEqual(PHONE.width);
}

/**
 * The header's controls outside the toolbar that are displayed now, each as "role: name" (links
 * by their address): what a person can see and use there.
 */
function headerControls(page: Page): Promise<string[]> {
  return page.locator('header.editor-header').evaluate((header) => {
    const selector = 'a[href], button, input, select, [role="status"], [role="group"]';
    return Array.from(header.querySelectorAll<HTMLElement>(selector))
      .filter((element) => !element.closest('[role="toolbar"], [role="search"]') && element.checkVisibility())
      .map((element) => {
        if (element instanceof HTMLAnchorElement) return `link: ${new URL(element.href).pathname}`;
        const role = element.getAttribute('role') ?? element.tagName.toLowerCase();
        const name = element.getAttribute('aria-label') ?? (element instanceof HTMLInputElement ? 'input' : element.textContent?.trim());
        return `${role}: ${name}`;
      })
      .filter((control) => control !== 'button: Menu');
  });
}

test('the header is one row of title, save status and Menu, whose menu holds every header control, by touch and keyboard', async ({ openTogether }, testInfo) => {
  const [alice] = await openTogether(ALICE);
  await alice.renameDocument('Pocket notes');
  await alice.editor.tap();
  await alice.typeInEditor('Typed on a phone.');
  await expect(alice.saveStatus).toHaveText('Saved');
  await nothingScrollsSideways(alice.page);

  // What the wide header shows (the same page, at a desktop width)…
  await alice.page.setViewportSize({ width: 1280, height: 800 });
  await expect(alice.headerMenuButton).toBeHidden();
  const wideControls = await headerControls(alice.page);
  expect(wideControls).toEqual(expect.arrayContaining(['button: Share', 'button: Version history', 'button: Export', 'status: Connection']));
  await alice.page.setViewportSize(PHONE);

  // …is folded on the phone into one row: the title, the save status, the Menu button.
  const header = alice.page.locator('header.editor-header');
  const row = [header.locator('.header-title'), alice.saveStatus, alice.headerMenuButton];
  await expect(row[0]).toHaveText('Pocket notes');
  const boxes = await Promise.all(row.map(async (part) => (await part.boundingBox())!));
  const rowTop = Math.min(...boxes.map((box) => box.y));
  const rowBottom = Math.max(...boxes.map((box) => box.y + box.height));
  for (const box of boxes) expect(box.y, 'every part shares the row').toBeLessThan(Math.min(...boxes.map((other) => other.y + other.height)));
  expect(rowBottom - rowTop, 'the row is one control high').toBeLessThanOrEqual(MIN_TARGET_PX + 4);
  const toolbarBox = (await toolbarOf(alice.page).boundingBox())!;
  expect(toolbarBox.y, 'the toolbar starts below the row').toBeGreaterThanOrEqual(rowBottom);
  expect(await headerControls(alice.page), 'nothing else of the header is shown').toEqual(['status: Save status']);
  expectTouchTarget(await alice.headerMenuButton.boundingBox(), 'the Menu button');
  await attachScreenshot(testInfo, 'phone header', alice.page, header);

  // Tapped open, the menu shows every control of the wide header, each on screen and big enough to tap.
  await alice.headerMenuButton.tap();
  await expect(alice.headerMenuButton).toHaveAttribute('aria-expanded', 'true');
  const phoneControls = await headerControls(alice.page);
  expect(phoneControls).toEqual(expect.arrayContaining(wideControls.filter((control) => control !== 'link: /')));
  expect(phoneControls).toEqual(expect.arrayContaining(['link: /', 'button: Find in document']));
  const panel = alice.page.locator('.header-menu-panel');
  for (const control of await panel.locator('a[href], button, input, select').filter({ visible: true }).all()) {
    const name = (await control.getAttribute('aria-label')) ?? (await control.textContent()) ?? 'a control';
    const box = await control.boundingBox();
    expect(box!.height, `${name} is tall enough to tap`).toBeGreaterThanOrEqual(MIN_TARGET_PX);
    expect(box!.width, `${name} is wide enough to tap`).toBeGreaterThanOrEqual(MIN_TARGET_PX);
    expect(box!.x + box!.width, `${name} ends on screen`).toBeLessThanOrEqual(PHONE.width);
  }
  await nothingScrollsSideways(alice.page);
  expect(await seriousViolations(alice.page), 'axe, menu open').toEqual([]);
  await attachScreenshot(testInfo, 'phone header menu open', alice.page);

  // Its controls work by touch: the theme, Show authors, Share (a dialog within the width).
  await panel.getByRole('group', { name: 'Theme' }).getByRole('button', { name: 'Dark' }).tap();
  await expect(alice.page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await panel.getByRole('button', { name: 'Show authors' }).tap();
  await expect(panel.getByRole('button', { name: 'Show authors' })).toHaveAttribute('aria-pressed', 'true');
  await panel.getByRole('button', { name: 'Share', exact: true }).tap();
  await expect(alice.shareDialog).toBeVisible();
  const dialogBox = (await alice.shareDialog.boundingBox())!;
  expect(dialogBox.x).toBeGreaterThanOrEqual(0);
  expect(dialogBox.x + dialogBox.width).toBeLessThanOrEqual(PHONE.width);
  expectTouchTarget(await alice.shareDialog.getByRole('button', { name: 'Close' }).boundingBox(), 'the share dialog’s Close');
  await alice.shareDialog.getByRole('button', { name: 'Close' }).tap();
  await expect(alice.shareDialog).toBeHidden();
  // Back in the still open menu, Find opens the find bar (a phone has no Ctrl+F) and closes the menu.
  await panel.getByRole('button', { name: 'Find in document' }).tap();
  await expect(alice.headerMenuButton).toHaveAttribute('aria-expanded', 'false');
  const findField = alice.page.getByRole('textbox', { name: 'Find' });
  await expect(findField).toBeFocused();
  await alice.page.keyboard.type('phone');
  await expect(alice.page.getByRole('status', { name: 'Matches' })).toHaveText('1 of 1');
  await nothingScrollsSideways(alice.page);
  await alice.page.getByRole('button', { name: 'Close find' }).tap();
  // The keyboard shortcuts (for a phone with a keyboard attached) fit too, and close by touch.
  await alice.statusLine.getByRole('button', { name: 'Keyboard shortcuts' }).tap();
  const shortcuts = alice.page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(shortcuts).toBeVisible();
  const shortcutsBox = (await shortcuts.boundingBox())!;
  expect(shortcutsBox.x + shortcutsBox.width).toBeLessThanOrEqual(PHONE.width);
  expect(await shortcuts.evaluate((dialog) => dialog.scrollWidth <= dialog.clientWidth), 'nothing in it scrolls sideways').toBe(true);
  await shortcuts.getByRole('button', { name: 'Close' }).tap();
  await expect(shortcuts).toBeHidden();

  // By keyboard: Enter opens it, Tab walks into it, Escape closes it back onto the button.
  await alice.headerMenuButton.focus();
  await alice.page.keyboard.press('Enter');
  await expect(alice.headerMenuButton).toHaveAttribute('aria-expanded', 'true');
  await alice.page.keyboard.press('Tab');
  await expect(panel.getByRole('link', { name: 'Tandem home' })).toBeFocused();
  await alice.page.keyboard.press('Tab');
  await expect(panel.getByRole('button', { name: 'Find in document' })).toBeFocused();
  await alice.page.keyboard.press('Escape');
  await expect(alice.headerMenuButton).toHaveAttribute('aria-expanded', 'false');
  await expect(alice.headerMenuButton).toBeFocused();
  await expect(panel.getByRole('button', { name: 'Share', exact: true })).toBeHidden();
});

test('a reader’s header on a phone is one row too, its menu holding what the reader has', async ({ openTogether, personAs }) => {
  const [alice] = await openTogether(ALICE);
  await alice.editor.tap();
  await alice.typeInEditor('For the readers.');
  const viewLink = await alice.readViewLink();
  const vera = await personAs(VERA);
  await vera.openViewLink(viewLink);
  await expect.poll(() => vera.documentText()).toBe('For the readers.');
  expect(await headerControls(vera.page), 'only the Menu button is shown in the row').toEqual([]);
  expectTouchTarget(await vera.headerMenuButton.boundingBox(), 'the reader’s Menu button');
  await vera.headerMenuButton.tap();
  expect(await headerControls(vera.page)).toEqual(
    expect.arrayContaining(['status: Connection', 'button: Export', 'group: Theme', 'button: Alice', 'select: Your colour', 'button: Find in document']),
  );
  await nothingScrollsSideways(vera.page);
  expect(await seriousViolations(vera.page), 'axe, reader’s menu open').toEqual([]);
});

/** Where a toolbar action is now: its button in the row, or its item in the More menu (opened). */
async function reachAction(page: Page, label: string): Promise<Locator> {
  const toolbar = toolbarOf(page);
  const inRow = toolbar.getByRole('button', { name: label, exact: true });
  if (await inRow.isVisible()) return inRow;
  const more = toolbar.getByRole('button', { name: 'More formatting' });
  if ((await more.getAttribute('aria-expanded')) !== 'true') await more.tap();
  const item = toolbar.getByRole('menu', { name: 'More formatting' }).getByRole(/* either kind */ 'menuitem', { name: label, exact: true });
  const checkbox = toolbar.getByRole('menu', { name: 'More formatting' }).getByRole('menuitemcheckbox', { name: label, exact: true });
  return (await checkbox.count()) > 0 ? checkbox : item;
}

/** Whether the action shows as on (aria-pressed in the row, aria-checked in the menu, which is then closed again). */
async function isOn(page: Page, label: string): Promise<boolean> {
  const control = await reachAction(page, label);
  const on = ((await control.getAttribute('aria-pressed')) ?? (await control.getAttribute('aria-checked'))) === 'true';
  const more = toolbarOf(page).getByRole('button', { name: 'More formatting' });
  if ((await more.count()) > 0 && (await more.getAttribute('aria-expanded')) === 'true') await page.keyboard.press('Escape');
  return on;
}

async function tapAction(tandem: TandemPage, label: string): Promise<void> {
  const control = await reachAction(tandem.page, label);
  const box = await control.boundingBox();
  expect(box!.height, `${label} is tall enough to tap`).toBeGreaterThanOrEqual(MIN_TARGET_PX);
  await control.tap();
}

/** The text every action works on: typed first, kept through them all. */
const PROSE = 'Pocket prose';

/** Selects the prose's text (a phone has no shift-arrow; a person would long-press and drag). */
async function selectProse(tandem: TandemPage): Promise<void> {
  await tandem.editor.evaluate((root, prose) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const text = walker.currentNode as Text;
      if (!text.data.includes(prose)) continue;
      const range = document.createRange();
      range.selectNodeContents(text);
      window.getSelection()!.removeAllRanges();
      window.getSelection()!.addRange(range);
      return;
    }
    throw new Error(`no text holds "${prose}"`);
  }, PROSE);
}

/** The element each toggle puts into the document. */
const TOGGLE_MAKES: Record<string, string> = {
  heading1: 'h1',
  heading2: 'h2',
  heading3: 'h3',
  bold: 'strong',
  italic: 'em',
  underline: 'u',
  strike: 's',
  code: 'code',
  bulletList: 'ul:not([data-type])',
  orderedList: 'ol',
  taskList: 'ul[data-type="taskList"]',
  blockquote: 'blockquote',
  codeBlock: 'pre',
};

/** Toggles on (the document gains its element, the control shows on), then off again. */
async function applyToggle(tandem: TandemPage, name: string, label: string): Promise<void> {
  const made = tandem.editor.locator(TOGGLE_MAKES[name]);
  await selectProse(tandem);
  await tapAction(tandem, label);
  await expect(made.first()).toBeVisible();
  expect(await isOn(tandem.page, label), `${label} shows as on`).toBe(true);
  await selectProse(tandem);
  await tapAction(tandem, label);
  await expect(made).toHaveCount(0);
}

/** Puts the caret in the table's last body cell, where the table tools are offered. */
async function tapIntoTable(tandem: TandemPage): Promise<void> {
  await tandem.editor.locator('table td').last().tap();
  await expect(toolbarOf(tandem.page).getByRole('group', { name: 'Table', includeHidden: true })).toBeAttached();
}

const countOf = (tandem: TandemPage, selector: string) => () => tandem.editor.locator(selector).count();

/** How each action of the toolbar's table is applied and seen to work (typed: none can be missing). */
const APPLY: Record<ToolbarActionName, (tandem: TandemPage, label: string) => Promise<void>> = {
  undo: async (tandem, label) => {
    await tandem.typeInEditor(' extra');
    await expect.poll(() => tandem.documentText()).toContain('extra');
    await tapAction(tandem, label);
    await expect.poll(() => tandem.documentText()).not.toContain('extra');
  },
  redo: async (tandem, label) => {
    await tapAction(tandem, label);
    await expect.poll(() => tandem.documentText()).toContain('extra');
  },
  heading1: (tandem, label) => applyToggle(tandem, 'heading1', label),
  heading2: (tandem, label) => applyToggle(tandem, 'heading2', label),
  heading3: (tandem, label) => applyToggle(tandem, 'heading3', label),
  bold: (tandem, label) => applyToggle(tandem, 'bold', label),
  italic: (tandem, label) => applyToggle(tandem, 'italic', label),
  underline: (tandem, label) => applyToggle(tandem, 'underline', label),
  strike: (tandem, label) => applyToggle(tandem, 'strike', label),
  code: (tandem, label) => applyToggle(tandem, 'code', label),
  link: async (tandem, label) => {
    await selectProse(tandem);
    await tapAction(tandem, label);
    const dialog = tandem.page.getByRole('dialog', { name: 'Add link' });
    await expect(dialog).toBeVisible();
    await expectWithinWidth(dialog, 'the link dialog');
    await dialog.getByRole('textbox', { name: 'Link address' }).fill('example.com');
    await dialog.getByRole('button', { name: 'Add link' }).tap();
    await expect(tandem.editor.locator('a[href^="https://example.com"]')).toBeVisible();
  },
  bulletList: (tandem, label) => applyToggle(tandem, 'bulletList', label),
  orderedList: (tandem, label) => applyToggle(tandem, 'orderedList', label),
  taskList: (tandem, label) => applyToggle(tandem, 'taskList', label),
  blockquote: (tandem, label) => applyToggle(tandem, 'blockquote', label),
  codeBlock: (tandem, label) => applyToggle(tandem, 'codeBlock', label),
  // Inserted after the prose (with the prose selected it would replace it).
  divider: async (tandem, label) => {
    await tandem.page.keyboard.press('Control+End');
    await tapAction(tandem, label);
    await expect.poll(countOf(tandem, 'hr')).toBe(1);
  },
  // The caret is left in the table: the table tools below are offered from here on.
  table: async (tandem, label) => {
    await tapAction(tandem, label);
    await expect.poll(countOf(tandem, 'table tr')).toBe(3);
  },
  image: async (tandem, label) => {
    await tapAction(tandem, label);
    const dialog = tandem.page.getByRole('dialog', { name: 'Insert image' });
    await expect(dialog).toBeVisible();
    await expectWithinWidth(dialog, 'the image dialog');
    await dialog.getByRole('textbox', { name: 'Image address' }).fill('https://example.com/phone.png');
    await dialog.getByRole('textbox', { name: /Alt text/ }).fill('A phone');
    await dialog.getByRole('button', { name: 'Insert image' }).tap();
    await expect(tandem.editor.locator('img[alt="A phone"]')).toHaveCount(1);
  },
  comment: async (tandem, label) => {
    await selectProse(tandem);
    await tapAction(tandem, label);
    const composer = tandem.page.getByRole('textbox', { name: 'Comment' });
    await expect(composer).toBeVisible();
    await tandem.page.getByRole('button', { name: 'Cancel' }).tap();
    await expect(composer).toBeHidden();
  },
  addRowBefore: async (tandem, label) => {
    await tapIntoTable(tandem);
    await tapAction(tandem, label);
    await expect.poll(countOf(tandem, 'table tr')).toBe(4);
  },
  addRowAfter: async (tandem, label) => {
    await tapIntoTable(tandem);
    await tapAction(tandem, label);
    await expect.poll(countOf(tandem, 'table tr')).toBe(5);
  },
  deleteRow: async (tandem, label) => {
    await tapIntoTable(tandem);
    await tapAction(tandem, label);
    await expect.poll(countOf(tandem, 'table tr')).toBe(4);
  },
  addColumnBefore: async (tandem, label) => {
    await tapIntoTable(tandem);
    await tapAction(tandem, label);
    await expect.poll(countOf(tandem, 'table tr:first-child > *')).toBe(4);
  },
  addColumnAfter: async (tandem, label) => {
    await tapIntoTable(tandem);
    await tapAction(tandem, label);
    await expect.poll(countOf(tandem, 'table tr:first-child > *')).toBe(5);
  },
  deleteColumn: async (tandem, label) => {
    await tapIntoTable(tandem);
    await tapAction(tandem, label);
    await expect.poll(countOf(tandem, 'table tr:first-child > *')).toBe(4);
  },
  deleteTable: async (tandem, label) => {
    await tapIntoTable(tandem);
    await tapAction(tandem, label);
    await expect.poll(countOf(tandem, 'table')).toBe(0);
  },
};

async function expectWithinWidth(locator: Locator, what: string): Promise<void> {
  const box = (await locator.boundingBox())!;
  expect(box.x, `${what} starts on screen`).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width, `${what} ends on screen`).toBeLessThanOrEqual(PHONE.width);
}

test('every toolbar action is reached in the row or under More and applied by tapping', async ({ openTogether }, testInfo) => {
  // Twenty-odd actions, each tapped and checked.
  test.setTimeout(180_000);
  const [alice] = await openTogether(ALICE);
  await alice.editor.tap();
  await alice.typeInEditor(PROSE);

  // The row holds what fits its width; the rest is under More. All of it is 44 px to tap.
  const toolbar = toolbarOf(alice.page);
  const more = toolbar.getByRole('button', { name: 'More formatting' });
  await expect(more).toBeVisible();
  const rowButtons = await toolbar.locator('.toolbar-button').filter({ visible: true }).all();
  expect(rowButtons.length).toBeGreaterThan(3);
  for (const button of rowButtons) expectTouchTarget(await button.boundingBox(), (await button.getAttribute('aria-label')) ?? 'a toolbar button');
  await more.tap();
  const menu = toolbar.getByRole('menu', { name: 'More formatting' });
  await expect(menu).toBeVisible();
  await expectWithinWidth(menu, 'the More menu');
  for (const item of await menu.locator('button').all()) {
    expect((await item.boundingBox())!.height, `${await item.getAttribute('aria-label')} is tall enough`).toBeGreaterThanOrEqual(MIN_TARGET_PX);
  }
  // Tapping More left the caret in the document (the phone's keyboard stays up).
  await expect(alice.editor).toBeFocused();
  await nothingScrollsSideways(alice.page);
  await attachScreenshot(testInfo, 'phone toolbar with More open', alice.page);
  expect(await seriousViolations(alice.page), 'axe, More open').toEqual([]);
  await alice.page.keyboard.press('Escape');
  await expect(menu).toBeHidden();

  // Each action of the table the toolbar is drawn from, in its order.
  for (const action of TOOLBAR_ACTIONS) {
    await test.step(action.label, () => APPLY[action.name](alice, action.label));
  }
  await nothingScrollsSideways(alice.page);

  // By keyboard: Enter on More opens it onto its first item; arrows move; Escape goes back to More.
  await more.focus();
  await alice.page.keyboard.press('Enter');
  await expect(menu).toBeVisible();
  const items = menu.locator('button:not(:disabled)');
  await expect(items.first()).toBeFocused();
  await alice.page.keyboard.press('ArrowDown');
  await expect(items.nth(1)).toBeFocused();
  await alice.page.keyboard.press('End');
  await expect(items.last()).toBeFocused();
  await alice.page.keyboard.press('Escape');
  await expect(menu).toBeHidden();
  await expect(more).toBeFocused();
});

/** The local caret's line in `tandem`'s page: the width of the text, the height of the caret. */
function localCaretLine(tandem: TandemPage): Promise<Box> {
  return tandem.editor.evaluate((root) => {
    const range = window.getSelection()!.getRangeAt(0);
    const caret = range.getClientRects()[0] ?? range.getBoundingClientRect();
    const text = root.getBoundingClientRect();
    return { x: text.left, y: caret.top, width: text.width, height: caret.height };
  });
}

function intersects(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

test('two people typing on the same line: the other one’s caret label never covers it', async ({ openTogether }, testInfo) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  await alice.editor.tap();
  await alice.typeInEditor('Alice writes here');
  await expect.poll(() => bob.documentText()).toBe('Alice writes here');
  await bob.editor.tap();
  await bob.page.keyboard.press('Control+End');
  await bob.typeInEditor(' and Bob too');
  await expect.poll(() => alice.documentText()).toBe('Alice writes here and Bob too');
  // Alice goes on typing inside the same line, Bob's caret just after her.
  await alice.page.keyboard.press('End');
  for (const phone of [alice, bob]) await expect(phone.caretLabel(phone === alice ? 'Bob' : 'Alice')).toBeAttached();

  const check = async (when: string) => {
    const label = (await alice.caretLabel('Bob').boundingBox())!;
    const line = await localCaretLine(alice);
    const bobCaret = (await alice.caretOf('Bob').boundingBox())!;
    expect(intersects(label, line), `${when}: Bob's label stays off the line Alice types on`).toBe(false);
    expect(label.x + label.width, `${when}: the label is in the margin, before the text`).toBeLessThanOrEqual(line.x);
    expect(label.x, `${when}: the label is on screen`).toBeGreaterThanOrEqual(0);
    expect(label.y + label.height / 2, `${when}: level with Bob's line`).toBeGreaterThanOrEqual(bobCaret.y - 2);
    expect(label.y + label.height / 2, `${when}: level with Bob's line`).toBeLessThanOrEqual(bobCaret.y + bobCaret.height + 2);
  };
  await alice.typeInEditor('!');
  await expect.poll(() => bob.documentText()).toBe('Alice writes here and Bob too!');
  await check('same line');
  await expect(alice.caretLabel('Bob')).toHaveAttribute('data-initial', 'B');
  await attachScreenshot(testInfo, 'Alice’s phone: two people on one line', alice.page);

  // Bob moves to the next line: his label still keeps off Alice's.
  await bob.page.keyboard.press('Control+End');
  await bob.page.keyboard.press('Enter');
  await bob.typeInEditor('Bob below');
  await expect.poll(() => alice.documentText()).toBe('Alice writes here and Bob too!\nBob below');
  await alice.typeInEditor('?');
  await expect.poll(() => bob.documentText()).toBe('Alice writes here and Bob too!?\nBob below');
  await check('line below');
  await attachScreenshot(testInfo, 'Alice’s phone: Bob on the next line', alice.page);

  // In a table the margin is the next cell's text: Bob's label is a dot in his cell's padding.
  await bob.page.keyboard.press('Enter');
  await tapAction(bob, 'Table');
  await bob.typeInEditor('Bob');
  await expect(alice.editor.locator('table th').first()).toHaveText(/Bob/);
  await alice.editor.locator('table th').first().tap();
  await alice.page.keyboard.press('End');
  await alice.typeInEditor(' Alice');
  await expect.poll(() => bob.editor.locator('table th').first().textContent()).toContain('Alice');
  const cellLabel = (await alice.caretLabel('Bob').boundingBox())!;
  const cellLine = await localCaretLine(alice);
  const cellText = (await alice.editor.locator('table th p').first().boundingBox())!;
  const cell = (await alice.editor.locator('table th').first().boundingBox())!;
  expect(intersects(cellLabel, { ...cellLine, x: cellText.x, width: cellText.width }), 'Bob’s dot stays off the text Alice types in the cell').toBe(false);
  expect(cellLabel.x, 'the dot is inside the cell').toBeGreaterThanOrEqual(cell.x);
  expect(cellLabel.x + cellLabel.width, 'the dot is in the cell’s padding, before its text').toBeLessThanOrEqual(cellText.x);
  await attachScreenshot(testInfo, 'Alice’s phone: both in a table cell', alice.page);
  await attachScreenshot(testInfo, 'Bob’s phone', bob.page);
  await nothingScrollsSideways(alice.page);
});
