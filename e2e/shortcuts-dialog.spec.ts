/**
 * User story: someone who works from the keyboard asks for the list of shortcuts with Ctrl+/
 * (or the status line's button): a dialog lists every shortcut of the toolbar's table, grouped,
 * in this platform's key names (the toolbar's tooltips use the same); axe finds nothing serious;
 * Escape closes it and focus goes back where it was. Readers see only what they can use.
 */
import { SHORTCUT_GROUPS } from '../components/toolbar/shortcuts';
import { ALICE, expect, test, VERA } from './fixtures';
import { seriousViolations } from './support-axe';

test('Ctrl+/ lists every shortcut, grouped, and Escape goes back to the document', async ({ openTogether }) => {
  const [alice] = await openTogether(ALICE);
  const { page } = alice;
  await alice.placeCaret('start');
  await alice.typeInEditor('Keys', 5);

  await page.keyboard.press('ControlOrMeta+/');
  const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(dialog).toBeVisible();
  for (const group of SHORTCUT_GROUPS) {
    const section = dialog.getByRole('region', { name: group.title });
    await expect(section.getByRole('heading', { name: group.title })).toBeVisible();
    await expect(section.getByRole('term')).toHaveText(group.shortcuts.map((shortcut) => shortcut.action));
  }
  const rows = dialog.locator('.shortcuts-row');
  await expect(rows.filter({ hasText: 'Bold' })).toContainText('Ctrl+B');
  await expect(rows.filter({ hasText: 'Find and replace' })).toContainText('Ctrl+H');
  await expect(rows.filter({ hasText: 'This list of shortcuts' })).toContainText('Ctrl+/');
  // The toolbar's tooltip shows the same keys.
  await expect(page.getByRole('button', { name: 'Bold', exact: true })).toHaveAttribute('title', 'Bold (Ctrl+B)');
  expect(await seriousViolations(page)).toEqual([]);

  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(alice.editor).toBeFocused();
  await page.keyboard.type('!');
  await expect.poll(() => alice.documentText()).toBe('Keys!');

  // The status line's button, by keyboard: Enter opens, the Close button closes, focus returns.
  const button = alice.statusLine.getByRole('button', { name: 'Keyboard shortcuts' });
  await button.focus();
  await page.keyboard.press('Enter');
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Close' }).focus();
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden();
  await expect(button).toBeFocused();
});

test('a reader sees only the shortcuts a reader can use', async ({ openTogether, personAs }) => {
  const [alice] = await openTogether(ALICE);
  const vera = await personAs(VERA);
  await vera.openViewLink(await alice.readViewLink());
  await vera.page.keyboard.press('ControlOrMeta+/');
  const dialog = vera.page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('term')).toHaveText([
    'Find in the document',
    'Next match (in the find field)',
    'Previous match (in the find field)',
    'Close find, back to the document',
    'This list of shortcuts',
  ]);
  expect(await seriousViolations(vera.page)).toEqual([]);
  await vera.page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
});
