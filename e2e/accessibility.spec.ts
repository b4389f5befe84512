/**
 * Accessibility: axe finds no serious or critical violations on the home, editor and view-only
 * pages, in light and dark; every control in the editor page is reachable by Tab, named, and
 * shows where focus is.
 */
import { ALICE, BOB, expect, test, VERA } from './fixtures';
import { seriousViolations } from './support-axe';

for (const colorScheme of ['light', 'dark'] as const) {
  test.describe(`${colorScheme} theme`, () => {
    test.use({ colorScheme });

    test('home page', async ({ personAs, room }) => {
      const alice = await personAs(ALICE);
      // Visit a document first so the recent list has an entry.
      await alice.openDocument(room);
      await alice.renameDocument('Checked by axe');
      await alice.page.goto('/');
      await expect(alice.page.getByRole('link', { name: /Checked by axe/ })).toBeVisible();
      await expect(alice.page.locator('html')).toHaveAttribute('data-theme', colorScheme);
      expect(await seriousViolations(alice.page)).toEqual([]);
    });

    test('editor page with someone else in it', async ({ openTogether }) => {
      const [alice, bob] = await openTogether(ALICE, BOB);
      await alice.renameDocument('Axe');
      await alice.title.press('Enter');
      await alice.typeInEditor('Some text to check.');
      await bob.placeCaret('end');
      await expect(alice.caretOf('Bob')).toBeVisible();
      await alice.avatar('Bob').click();
      await expect(alice.followStatus).toHaveText(/Following Bob/);
      await expect(alice.page.locator('html')).toHaveAttribute('data-theme', colorScheme);
      expect(await seriousViolations(alice.page)).toEqual([]);
    });

    test('view-only page', async ({ openTogether, personAs }) => {
      const [alice] = await openTogether(ALICE);
      await alice.renameDocument('Read me');
      await alice.title.press('Enter');
      await alice.typeInEditor('Words for a reader.');
      const vera = await personAs(VERA);
      await vera.openViewLink(await alice.readViewLink());
      await expect(vera.title).toHaveValue('Read me');
      await expect(vera.page.locator('html')).toHaveAttribute('data-theme', colorScheme);
      expect(await seriousViolations(vera.page)).toEqual([]);
    });
  });
}

test('every control on the editor page is reachable by keyboard, named, and shows focus', async ({ openTogether }) => {
  const [alice] = await openTogether(ALICE, BOB);
  // Tab from the top until focus comes back round to the first stop.
  const stops: { name: string; tag: string; focusShown: boolean }[] = [];
  for (let i = 0; i < 80; i++) {
    await alice.page.keyboard.press('Tab');
    const stop = await alice.page.evaluate((index) => {
      const element = document.activeElement as HTMLElement | null;
      if (!element || element === document.body) return null;
      if (element.dataset.tabStop) return 'again';
      element.dataset.tabStop = String(index);
      const style = getComputedStyle(element);
      const label = element.id ? document.querySelector(`label[for="${CSS.escape(element.id)}"]`)?.textContent : null;
      const name = element.getAttribute('aria-label') ?? label ?? element.textContent ?? '';
      const focusShown =
        style.outlineStyle !== 'none' ||
        style.boxShadow !== 'none' ||
        // The text itself shows focus with its caret; the title with a coloured underline.
        element.isContentEditable ||
        (element.tagName === 'INPUT' && style.borderBottomColor !== 'rgba(0, 0, 0, 0)');
      return { name: name.trim(), tag: element.tagName, focusShown };
    }, i);
    if (stop === 'again') break;
    if (stop) stops.push(stop);
  }
  const names = stops.map((stop) => stop.name);
  for (const expected of ['Tandem', 'Share', 'Bob', 'Your name', 'Your colour', 'System', 'Light', 'Dark', 'Document title', 'Document']) {
    expect(names, `Tab reaches "${expected}"`).toContain(expected);
  }
  for (const stop of stops) {
    expect(stop.name, `${stop.tag} has a name`).not.toBe('');
    expect(stop.focusShown, `focus is visible on "${stop.name}"`).toBe(true);
  }
});
