/**
 * User stories: links, by keyboard only. A typed address becomes a link when the word ends,
 * and so does a pasted one; Bob, in his own browser, gets the links. With the caret on a link
 * a bubble offers Open (a new tab, without the opener), Edit (the toolbar's link dialog) and
 * Remove (the whole link); Tab goes into it and Escape back to the caret. On a view-only page
 * the bubble only opens. axe finds nothing serious with the bubble open.
 */
import { ALICE, BOB, expect, test, VERA, type TandemPage } from './fixtures';
import { seriousViolations } from './support-axe';

function linkBubbleOf(tandem: TandemPage) {
  const bubble = tandem.page.getByRole('group', { name: 'Link', exact: true });
  return {
    bubble,
    open: bubble.getByRole('link'),
    edit: bubble.getByRole('button', { name: 'Edit link', exact: true }),
    remove: bubble.getByRole('button', { name: 'Remove link', exact: true }),
  };
}

/** Pastes plain text at the caret with a real paste event, as Ctrl+V does. */
async function pasteText(tandem: TandemPage, text: string): Promise<void> {
  await tandem.editor.evaluate((editor, plain) => {
    const data = new DataTransfer();
    data.setData('text/plain', plain);
    editor.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, text);
}

test('typed and pasted addresses become links for everyone', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  await alice.editor.focus();
  await alice.typeInEditor('Docs at https://example.com/docs and ');
  await pasteText(alice, 'www.example.org/pasted');
  await alice.typeInEditor(' today.');

  await expect(bob.editor.getByRole('link', { name: 'https://example.com/docs', exact: true })).toHaveAttribute('href', 'https://example.com/docs');
  await expect(bob.editor.getByRole('link', { name: 'www.example.org/pasted', exact: true })).toHaveAttribute('href', /^https?:\/\/www\.example\.org\/pasted$/);
  await expect.poll(() => bob.documentText()).toBe('Docs at https://example.com/docs and www.example.org/pasted today.');
});

test('the link bubble opens, edits and removes a link, by keyboard', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  const { bubble, open, edit, remove } = linkBubbleOf(alice);
  await alice.editor.focus();
  await alice.typeInEditor('See https://example.com/a for more');
  await expect(bob.editor.getByRole('link')).toHaveAttribute('href', 'https://example.com/a');
  await expect(bubble).toHaveCount(0);

  // Caret into the link: the bubble shows, and Tab goes into it.
  for (let i = 0; i < ' for more'.length + 3; i += 1) await alice.page.keyboard.press('ArrowLeft');
  await expect(bubble).toBeVisible();
  await expect(open).toHaveAttribute('href', 'https://example.com/a');
  await expect(open).toHaveAttribute('target', '_blank');
  await expect(open).toHaveAttribute('rel', 'noopener noreferrer');
  expect(await seriousViolations(alice.page)).toEqual([]);
  await alice.page.keyboard.press('Tab');
  await expect(open).toBeFocused();
  await alice.page.keyboard.press('Escape');
  await expect(alice.editor).toBeFocused();
  await expect(bubble).toBeVisible();

  // Edit: the link dialog, filled with the address; the change reaches Bob.
  await alice.page.keyboard.press('Tab');
  await alice.page.keyboard.press('Tab');
  await expect(edit).toBeFocused();
  await alice.page.keyboard.press('Enter');
  const dialog = alice.page.getByRole('dialog', { name: 'Edit link' });
  const address = dialog.getByRole('textbox', { name: 'Link address' });
  await expect(address).toHaveValue('https://example.com/a');
  await address.press('Control+a');
  await alice.page.keyboard.type('example.org/b');
  await alice.page.keyboard.press('Enter');
  await expect(dialog).toHaveCount(0);
  await expect(bob.editor.getByRole('link', { name: 'https://example.com/a' })).toHaveAttribute('href', 'https://example.org/b');

  // Remove: the whole link goes, its text stays.
  await expect(alice.editor).toBeFocused();
  await expect(bubble).toBeVisible();
  await alice.page.keyboard.press('Tab');
  await alice.page.keyboard.press('Tab');
  await alice.page.keyboard.press('Tab');
  await expect(remove).toBeFocused();
  await alice.page.keyboard.press('Enter');
  await expect(bob.editor.getByRole('link')).toHaveCount(0);
  await expect.poll(() => bob.documentText()).toBe('See https://example.com/a for more');
  await expect(bubble).toHaveCount(0);
  await expect(alice.editor).toBeFocused();
});

test('a view-only page’s link bubble only opens the link', async ({ openTogether, personAs }) => {
  const [alice] = await openTogether(ALICE);
  await alice.editor.focus();
  await alice.typeInEditor('Read https://example.com/guide first');
  const viewLink = await alice.readViewLink();
  const vera = await personAs(VERA);
  await vera.openViewLink(viewLink);

  const link = vera.editor.getByRole('link', { name: 'https://example.com/guide' });
  await expect(link).toHaveAttribute('target', '_blank');
  await link.selectText();
  const { bubble, open, edit, remove } = linkBubbleOf(vera);
  await expect(bubble).toBeVisible();
  await expect(open).toHaveAttribute('href', 'https://example.com/guide');
  await expect(edit).toHaveCount(0);
  await expect(remove).toHaveCount(0);
  expect(await seriousViolations(vera.page)).toEqual([]);
});
