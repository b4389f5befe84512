/** User stories: a dark theme that follows the system, and a System / Light / Dark choice that sticks. */
import type { Page } from '@playwright/test';
import { ALICE, expect, test } from './fixtures';

const LIGHT_BACKGROUND = 'rgb(255, 255, 255)';
const DARK_BACKGROUND = 'rgb(18, 22, 31)';

const pageBackground = (page: Page) => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
const pressed = (page: Page, name: string) => page.getByRole('group', { name: 'Theme' }).getByRole('button', { name, exact: true });

test('the theme follows the system until you choose one', async ({ personAs, room }) => {
  const alice = await personAs(ALICE);
  await alice.page.emulateMedia({ colorScheme: 'dark' });
  await alice.openDocument(room);
  await expect(pressed(alice.page, 'System')).toHaveAttribute('aria-pressed', 'true');
  await expect(alice.page.locator('html')).toHaveAttribute('data-theme', 'dark');
  expect(await pageBackground(alice.page)).toBe(DARK_BACKGROUND);

  // The system switches to light while the page is open.
  await alice.page.emulateMedia({ colorScheme: 'light' });
  await expect(alice.page.locator('html')).toHaveAttribute('data-theme', 'light');
  expect(await pageBackground(alice.page)).toBe(LIGHT_BACKGROUND);

  // An explicit choice wins over the system.
  await pressed(alice.page, 'Dark').click();
  await expect(pressed(alice.page, 'Dark')).toHaveAttribute('aria-pressed', 'true');
  await expect(alice.page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await alice.page.emulateMedia({ colorScheme: 'light' });
  expect(await pageBackground(alice.page)).toBe(DARK_BACKGROUND);
});

test('the chosen theme is remembered and applied before the page first paints', async ({ personAs, room }) => {
  const alice = await personAs(ALICE);
  await alice.page.emulateMedia({ colorScheme: 'light' });
  await alice.page.goto('/');
  await pressed(alice.page, 'Dark').click();
  await expect(alice.page.locator('html')).toHaveAttribute('data-theme', 'dark');

  // Record the theme at the very first moment the new page can be observed: no light flash.
  await alice.page.addInitScript(() => {
    const record = () => {
      (window as unknown as { firstTheme?: string | null }).firstTheme ??= document.documentElement.getAttribute('data-theme');
    };
    new MutationObserver(() => {
      if (document.body) record();
    }).observe(document, { childList: true, subtree: true });
  });
  await alice.openDocument(room);
  expect(await alice.page.evaluate(() => (window as unknown as { firstTheme?: string }).firstTheme)).toBe('dark');
  await expect(pressed(alice.page, 'Dark')).toHaveAttribute('aria-pressed', 'true');
  expect(await pageBackground(alice.page)).toBe(DARK_BACKGROUND);

  // Back to following the system.
  await pressed(alice.page, 'System').click();
  await expect(alice.page.locator('html')).toHaveAttribute('data-theme', 'light');
  await alice.page.reload();
  await expect(alice.page.locator('html')).toHaveAttribute('data-theme', 'light');
});
