/** User story: writing on a phone (375 px wide): the page fits, the header wraps, the toolbar works. */
import { ALICE, BOB, expect, test } from './fixtures';

test.use({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });

test('on a phone the page fits the width and typing and the toolbar work', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);

  // Nothing scrolls sideways, and the text area uses the width.
  const widths = await alice.page.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    viewport: window.innerWidth,
  }));
  expect(widths.page).toBeLessThanOrEqual(widths.viewport);
  const editorBox = await alice.editor.boundingBox();
  expect(editorBox?.width ?? 0).toBeGreaterThan(320);
  // Every header control is on screen, wrapped onto further rows rather than cut off (the
  // formatting toolbar is the exception: it is one row that scrolls sideways on its own).
  const headerControls = alice.page
    .locator('header button:not([role="toolbar"] button), header input, header select')
    .filter({ visible: true });
  expect(await headerControls.count()).toBeGreaterThan(5);
  for (const control of await headerControls.all()) {
    const box = await control.boundingBox();
    expect(box, 'header control is laid out').not.toBeNull();
    expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(375);
  }

  await alice.title.tap();
  await alice.page.keyboard.type('Pocket notes');
  await alice.editor.tap();
  await alice.page.keyboard.press('Control+End');
  await alice.typeInEditor('Typed on a phone. ');
  await alice.page.getByRole('button', { name: 'Bold', exact: true }).tap();
  await alice.typeInEditor('Loud');
  await expect(alice.editor.locator('strong')).toHaveText('Loud');
  await expect.poll(() => bob.documentText()).toBe('Typed on a phone. Loud');
  await expect(bob.editor.locator('strong')).toHaveText('Loud');
  await expect(bob.title).toHaveValue('Pocket notes');

  const after = await alice.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  expect(after).toBe(true);
});
