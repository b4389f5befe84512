/**
 * User stories: the outline of a long document. It lists the headings, levels indented, and
 * follows the other person's new heading; choosing one by keyboard (Enter) or by click scrolls
 * the document to it and puts the caret there; the heading in view is marked; folding it is
 * remembered across a reload; axe finds nothing serious. On a phone it starts folded and opens.
 */
import type { Page } from '@playwright/test';
import { ALICE, BOB, expect, test, type TandemPage } from './fixtures';
import { seriousViolations } from './support-axe';

/** Types a heading (Markdown-style) and `paragraphs` paragraphs after it. */
async function writeSection(page: Page, level: number, title: string, paragraphs: number): Promise<void> {
  await page.keyboard.type(`${'#'.repeat(level)} ${title}`, { delay: 5 });
  await page.keyboard.press('Enter');
  for (let i = 0; i < paragraphs; i += 1) {
    await page.keyboard.insertText(`${title}, paragraph ${i + 1}: words to fill the page.`);
    await page.keyboard.press('Enter');
  }
}

function outlineOf(person: TandemPage) {
  const outline = person.page.getByRole('navigation', { name: 'Outline' });
  return {
    outline,
    toggle: outline.getByRole('button', { name: 'Outline' }),
    entries: outline.getByRole('listitem'),
    entry: (name: string) => outline.getByRole('button', { name, exact: true }),
  };
}

test('the outline follows both people’s headings, takes you to one, and marks the one in view', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  const { page } = alice;
  await alice.placeCaret('start');
  await writeSection(page, 1, 'Introduction', 25);
  await writeSection(page, 2, 'Middle', 25);
  await writeSection(page, 3, 'Details', 25);

  const { outline, toggle, entries, entry } = outlineOf(alice);
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  await expect(entries).toHaveText(['Introduction', 'Middle', 'Details']);
  await expect(entries).toHaveClass(['outline-level-1', 'outline-level-2', 'outline-level-3']);

  // Bob adds a heading at the end: Alice's outline lists it at once.
  await bob.placeCaret('end');
  await writeSection(bob.page, 2, 'Results', 3);
  await expect(entries).toHaveText(['Introduction', 'Middle', 'Details', 'Results']);

  // Keyboard: Enter on "Middle" scrolls to it, marks it, and the caret is in it.
  await entry('Middle').focus();
  await page.keyboard.press('Enter');
  const middle = alice.editor.getByRole('heading', { name: 'Middle' });
  await expect.poll(() => alice.isInViewport(middle)).toBe(true);
  await expect(entry('Middle')).toHaveAttribute('aria-current', 'location');
  await expect(alice.editor).toBeFocused();
  await page.keyboard.type('The ');
  await expect.poll(() => bob.documentText()).toContain('\nThe Middle\n');
  await expect(outline.getByRole('button', { name: 'The Middle', exact: true })).toBeVisible();

  // A click on the first heading scrolls back up; the mark follows.
  await entry('Introduction').click();
  await expect.poll(() => alice.isInViewport(alice.editor.getByRole('heading', { name: 'Introduction' }))).toBe(true);
  await expect(entry('Introduction')).toHaveAttribute('aria-current', 'location');
  await expect(outline.getByRole('button', { name: 'The Middle', exact: true })).not.toHaveAttribute('aria-current');
  expect(await seriousViolations(page)).toEqual([]);

  // Folded by keyboard, and still folded after a reload.
  await toggle.focus();
  await page.keyboard.press('Enter');
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await expect(entries.first()).toBeHidden();
  await page.reload();
  await expect(alice.connection).toHaveText('Connected');
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await page.keyboard.press('Tab');
  await toggle.focus();
  await page.keyboard.press('Space');
  await expect(entries).toHaveText(['Introduction', 'The Middle', 'Details', 'Results']);
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test('the outline starts folded and opens to the headings', async ({ openTogether }) => {
    const [alice] = await openTogether(ALICE);
    await alice.placeCaret('start');
    await writeSection(alice.page, 1, 'Chapter one', 2);
    await writeSection(alice.page, 2, 'Section', 2);
    const { toggle, entries, entry } = outlineOf(alice);
    await expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await expect(entries.first()).toBeHidden();
    await toggle.tap();
    await expect(entries).toHaveText(['Chapter one', 'Section']);
    const box = await entry('Section').boundingBox();
    expect(box!.height).toBeGreaterThanOrEqual(44);
    await entry('Section').tap();
    await expect(entry('Section')).toHaveAttribute('aria-current', 'location');
  });
});
