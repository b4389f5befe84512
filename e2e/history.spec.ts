/**
 * User stories: the version history panel. Versions are named through the API (named versions
 * are instant), the panel shows them by day with their authors, a version's changes are
 * coloured by who made them, the timeslider and arrow keys step through versions, "Compare
 * with current" diffs against now, a restore reaches everyone through sync, and viewing history
 * never changes the live document.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Locator } from '@playwright/test';
import { versionsPath, type Version, type VersionResponse } from '../lib/protocol/history-api';
import { ALICE, BOB, expect, test, type TandemPage } from './fixtures';

/** The history dialog of one person's page, with intent-level actions. */
class HistoryPanel {
  readonly dialog: Locator;
  readonly versions: Locator;
  readonly slider: Locator;
  readonly viewer: Locator;
  readonly summary: Locator;
  readonly changePosition: Locator;

  constructor(readonly tandem: TandemPage) {
    this.dialog = tandem.page.getByRole('dialog', { name: 'Version history' });
    this.versions = this.dialog.getByRole('listbox', { name: 'Versions' });
    this.slider = this.dialog.getByRole('slider', { name: 'Timeslider' });
    this.viewer = this.dialog.getByRole('textbox', { name: 'Version shown' });
    this.summary = this.dialog.locator('.history-summary');
    this.changePosition = this.dialog.locator('.history-change-position');
  }

  async open(how: 'button' | 'shortcut' = 'button'): Promise<void> {
    if (how === 'button') {
      await this.tandem.openHeaderMenuIfFolded();
      await this.tandem.page.getByRole('button', { name: 'Version history', exact: true }).click();
    } else {
      await this.tandem.page.keyboard.press('Control+Alt+Shift+H');
    }
    await expect(this.dialog).toBeVisible();
    await expect(this.summary).toContainText(/changes? (since the version before|between this version and now)/);
  }

  option(name: string | RegExp): Locator {
    return this.versions.getByRole('option', { name });
  }

  button(name: string): Locator {
    return this.dialog.getByRole('button', { name, exact: true });
  }

  /** Text shown as changed in the viewer, by kind, in document order. */
  changed(type: 'added' | 'removed'): Locator {
    return this.viewer.locator(`span[data-change="${type}"]`);
  }
}

/** Names the current state of the room as it is on the server (after the page says Saved). */
async function nameVersion(tandem: TandemPage, name: string): Promise<Version> {
  await expect(tandem.saveStatus).toHaveText('Saved');
  const response = await tandem.page.request.post(versionsPath({ room: tandem.roomId() }), { data: { name } });
  expect(response.status()).toBe(201);
  return ((await response.json()) as VersionResponse).version;
}

test('the panel opens from the header and with Ctrl+Alt+Shift+H, and lists versions by day with their names, kinds and authors', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  await alice.placeCaret('end');
  await alice.typeInEditor('Alice starts.');
  await nameVersion(alice, 'Outline');
  await bob.placeCaret('end');
  await bob.typeInEditor(' Bob adds.');
  await nameVersion(bob, 'With Bob');

  const history = new HistoryPanel(alice);
  await history.open('shortcut');
  await expect(history.dialog.locator('.version-day-label').first()).toHaveText('Today');
  await expect(history.versions.getByRole('option')).toHaveCount(2);
  // Newest first, selected when the panel opens.
  await expect(history.versions.getByRole('option').first()).toContainText('With Bob');
  await expect(history.option(/With Bob/)).toHaveAttribute('aria-selected', 'true');
  await expect(history.option(/With Bob/)).toContainText('Named');
  await expect(history.option(/With Bob/)).toContainText('Bob');
  await expect(history.option(/With Bob/).locator('.author-dot')).toHaveCSS('background-color', 'rgb(180, 35, 24)');
  await expect(history.option(/Outline/)).toContainText('Alice');
  await history.button('Close').click();
  await expect(history.dialog).toBeHidden();

  await history.open('button');
  await expect(history.versions.getByRole('option')).toHaveCount(2);
});

test('a version shows what changed since the one before, insertions and deletions in the colour of who made them', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  await alice.placeCaret('end');
  await alice.typeInEditor('Hello world');
  await nameVersion(alice, 'First');
  await expect.poll(() => bob.documentText()).toBe('Hello world');
  // Bob replaces Alice's "world" with "Tandem".
  await bob.placeCaret('end');
  for (let i = 0; i < 'world'.length; i++) await bob.page.keyboard.press('Backspace');
  await bob.typeInEditor('Tandem');
  await expect.poll(() => alice.documentText()).toBe('Hello Tandem');
  await nameVersion(bob, 'Second');

  const history = new HistoryPanel(alice);
  await history.open();
  await expect(history.summary).toContainText('Second');
  await expect(history.summary).toContainText('2 changes since the version before');
  await expect(history.changed('removed')).toHaveText(['world']);
  await expect(history.changed('added')).toHaveText(['Tandem']);
  // Both are Bob's: his colour, though he deleted Alice's text.
  await expect(history.changed('removed')).toHaveAttribute('style', /--change-color: #b42318/);
  await expect(history.changed('added')).toHaveAttribute('style', /--change-color: #b42318/);

  await history.button('Next change').click();
  await expect(history.changePosition).toHaveText('Change 1 of 2: removed by Bob');
  await history.button('Next change').click();
  await expect(history.changePosition).toHaveText('Change 2 of 2: added by Bob');
  await expect(history.viewer.locator('.current-change')).toHaveText('Tandem');
  await history.button('Previous change').click();
  await expect(history.changePosition).toHaveText('Change 1 of 2: removed by Bob');

  // The first version: everything in it was added by Alice.
  await history.option(/First/).click();
  await expect(history.summary).toContainText('First');
  await expect(history.changed('added')).toHaveText(['Hello world']);
  await expect(history.changed('added')).toHaveAttribute('style', /--change-color: #175cd3/);
  await expect(history.changed('removed')).toHaveCount(0);
});

test('the timeslider and the arrow keys step through versions, and Compare with current diffs against now', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  await alice.placeCaret('end');
  await alice.typeInEditor('One.');
  await nameVersion(alice, 'v1');
  await alice.typeInEditor(' Two.');
  await nameVersion(alice, 'v2');
  await alice.typeInEditor(' Three.');
  await nameVersion(alice, 'v3');

  const history = new HistoryPanel(alice);
  await history.open();
  await expect(history.option(/v3/)).toHaveAttribute('aria-selected', 'true');
  await history.versions.focus();
  await alice.page.keyboard.press('ArrowDown');
  await expect(history.option(/v2/)).toHaveAttribute('aria-selected', 'true');
  await expect(history.changed('added')).toHaveText([' Two.']);
  await alice.page.keyboard.press('End');
  await expect(history.option(/v1/)).toHaveAttribute('aria-selected', 'true');
  await alice.page.keyboard.press('ArrowUp');
  await expect(history.option(/v2/)).toHaveAttribute('aria-selected', 'true');

  // The slider runs oldest (left) to newest (right).
  await history.slider.focus();
  await alice.page.keyboard.press('ArrowRight');
  await expect(history.option(/v3/)).toHaveAttribute('aria-selected', 'true');
  await expect(history.summary).toContainText('v3');
  await alice.page.keyboard.press('Home');
  await expect(history.option(/v1/)).toHaveAttribute('aria-selected', 'true');
  await expect(history.changed('added')).toHaveText(['One.']);

  // Meanwhile Bob writes; comparing v1 with now shows everything since, by author, live.
  await bob.placeCaret('end');
  await bob.typeInEditor(' Bob.');
  await history.button('Compare with current').click();
  await expect(history.button('Compare with current')).toHaveAttribute('aria-pressed', 'true');
  await expect(history.summary).toContainText('between this version and now');
  await expect(history.changed('added')).toHaveText([' Two. Three.', ' Bob.']);
  await expect(history.changed('added').last()).toHaveAttribute('style', /--change-color: #b42318/);
  await bob.typeInEditor('!');
  await expect(history.changed('added')).toHaveText([' Two. Three.', ' Bob.!']);
});

test('while a version loads, the status line names it and gives no count until its own changes are shown', async ({ openTogether }) => {
  const [alice] = await openTogether(ALICE);
  await alice.placeCaret('end');
  await alice.typeInEditor('One.');
  const v1 = await nameVersion(alice, 'v1');
  await alice.typeInEditor(' Two.');
  await nameVersion(alice, 'v2');
  await alice.typeInEditor(' Three.');
  await nameVersion(alice, 'v3');
  // v1's state is held back: v2's diff (against v1) cannot render until it is let through.
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  await alice.page.route(`**/versions/${v1.id}/state`, async (route) => {
    await released;
    await route.continue();
  });

  const history = new HistoryPanel(alice);
  await history.open();
  await expect(history.summary).toContainText('v3');
  await expect(history.summary).toContainText('1 change since the version before');
  await history.versions.focus();
  await alice.page.keyboard.press('ArrowDown');
  await expect(history.option(/v2/)).toHaveAttribute('aria-selected', 'true');
  // Not v3's count under v2's name.
  await expect(history.summary).toHaveText(/^v2, .*\. Loading…$/);
  release();
  await expect(history.summary).toHaveText(/^v2, .*\. 1 change since the version before\.$/);
  await expect(history.changed('added')).toHaveText([' Two.']);
});

test('vandalism undone: Bob deletes everything, Alice restores the last version, both have the text again, and the history says who', async ({
  openTogether,
}) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  await alice.placeCaret('end');
  await alice.typeInEditor('Alice wrote this.');
  await bob.placeCaret('end');
  await bob.typeInEditor(' Bob wrote this.');
  await expect.poll(() => alice.documentText()).toBe('Alice wrote this. Bob wrote this.');
  await nameVersion(alice, 'Before the accident');

  await bob.editor.click();
  await bob.page.keyboard.press('Control+a');
  await bob.page.keyboard.press('Backspace');
  await expect.poll(() => alice.documentText()).toBe('');

  const history = new HistoryPanel(alice);
  await history.open();
  await history.option(/Before the accident/).click();
  await history.button('Restore this version').click();
  const question = history.dialog.getByRole('group').filter({ hasText: 'Restore the document to' });
  await expect(question).toContainText('Before the accident');
  await question.getByRole('button', { name: 'Yes, restore this version' }).click();
  await expect(history.dialog.getByRole('status').filter({ hasText: 'Restored the version' })).toBeVisible();

  // Both live documents have the text again, through sync: nobody reloaded.
  await expect.poll(() => bob.documentText()).toBe('Alice wrote this. Bob wrote this.');
  await history.button('Close').click();
  await expect.poll(() => alice.documentText()).toBe('Alice wrote this. Bob wrote this.');

  // The history keeps Bob's deletion, under Bob's name, just before the restore.
  await history.open();
  const beforeRestore = history.option(/Before a restore/);
  await expect(beforeRestore).toContainText('Bob');
  await beforeRestore.click();
  await expect(history.changed('removed').first()).toHaveAttribute('style', /--change-color: #b42318/);
  await expect(history.option(/Restored an earlier version/)).toContainText('Alice');
});

test('looking through history never changes the live document', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  await alice.placeCaret('end');
  await alice.typeInEditor('Kept as it is.');
  await nameVersion(alice, 'Old');
  await alice.page.keyboard.press('Enter');
  await alice.typeInEditor('A second paragraph.');
  await nameVersion(alice, 'New');
  const live = 'Kept as it is.\nA second paragraph.';
  await expect.poll(() => bob.documentText()).toBe(live);

  const history = new HistoryPanel(alice);
  await history.open();
  await history.option(/Old/).click();
  await expect(history.summary).toContainText('Old');
  await history.button('Compare with current').click();
  await expect(history.changed('added')).toHaveText(['A second paragraph.']);
  await history.slider.focus();
  for (const key of ['ArrowRight', 'ArrowLeft', 'ArrowRight']) await alice.page.keyboard.press(key);
  // Typing into the viewer does nothing: it is read-only.
  await history.viewer.click();
  await alice.page.keyboard.type('XYZ');
  await expect(history.viewer).not.toContainText('XYZ');
  await history.button('Close').click();

  await expect.poll(() => alice.documentText()).toBe(live);
  await expect.poll(() => bob.documentText()).toBe(live);
  await expect(alice.saveStatus).toHaveText('Saved');
  // What the server holds is unchanged too: a newcomer gets exactly the live text.
  await bob.page.reload();
  await expect(bob.connection).toHaveText('Connected');
  await expect.poll(() => bob.documentText()).toBe(live);
  await expect(bob.editor.locator('[data-change]')).toHaveCount(0);
});

test('the open panel is clean for axe, in light and dark', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  await alice.placeCaret('end');
  await alice.typeInEditor('Checked by axe.');
  await nameVersion(alice, 'A');
  await bob.placeCaret('end');
  await bob.typeInEditor(' Bob too.');
  await nameVersion(bob, 'B');
  const history = new HistoryPanel(alice);
  await history.open();
  await history.button('Next change').click();
  await history.button('Compare with current').click();
  for (const theme of ['Light', 'Dark']) {
    await history.button('Close').click();
    await alice.themeToggle.getByRole('button', { name: theme }).click();
    await history.open();
    const results = await new AxeBuilder({ page: alice.page }).include('.history-dialog').analyze();
    const serious = results.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
    expect(serious, theme).toEqual([]);
  }
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test('the panel is a full-screen sheet with the list above the version, and nothing scrolls sideways', async ({ openTogether }) => {
    const [alice] = await openTogether(ALICE);
    await alice.editor.tap();
    await alice.typeInEditor('Pocket history.');
    await nameVersion(alice, 'Phone');
    const history = new HistoryPanel(alice);
    await history.open();
    const sheet = await history.dialog.boundingBox();
    expect(sheet).toMatchObject({ x: 0, y: 0, width: 390, height: 844 });
    const list = await history.versions.boundingBox();
    const viewer = await history.viewer.boundingBox();
    expect((list?.y ?? 0) + (list?.height ?? 0)).toBeLessThanOrEqual(viewer?.y ?? 0);
    expect(await history.dialog.evaluate((dialog) => dialog.scrollWidth <= dialog.clientWidth)).toBe(true);
    await expect(history.changed('added')).toHaveText(['Pocket history.']);
    await history.button('Restore this version').tap();
    await expect(history.dialog.getByRole('button', { name: 'Yes, restore this version' })).toBeInViewport();
  });
});
