/**
 * User stories: comments in the editor. Each person has their own browser context: an editor
 * (Alice), a commenter on the comment link (Carla) and a viewer on the view link (Vera).
 * Carla comments on selected text, Alice sees the thread and replies, Carla resolves, Alice
 * reopens; Vera sees nothing of it until the room lets viewers see comments; Carla cannot
 * change the text. Keyboard only (Ctrl+Alt+M, Tab, Enter), a phone viewport, axe. Carla
 * suggests a change and Alice accepts it: both see the new text. Alice exports the page with
 * its open comments as footnotes.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from '@playwright/test';
import { ALICE, CARLA, expect, test, VERA, type TandemPage } from './fixtures';
import { exportAs } from './support-editor';

const TEXT = 'The quick brown fox jumps over the lazy dog.';

function margin(person: TandemPage) {
  return person.page.getByRole('complementary', { name: 'Comments' });
}

function thread(person: TandemPage, quote: string) {
  return margin(person).getByRole('article', { name: `Comment thread on “${quote}”` });
}

async function seriousAxeViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id}: ${violation.help} — ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
}

/** Alice writes TEXT in a fresh document. */
async function aliceWrites(alice: TandemPage, room: string): Promise<void> {
  await alice.openDocument(room);
  await alice.placeCaret('end');
  await alice.typeInEditor(TEXT, 5);
  await expect(alice.saveStatus).toHaveText('Saved');
}

/** Selects `word` in the document by double-clicking it (works in the read-only editor too). */
async function selectWord(person: TandemPage, word: string): Promise<void> {
  await person.editor.getByText(word, { exact: false }).first().waitFor();
  const box = await person.page.evaluate(
    ({ word }) => {
      const editor = document.querySelector('[aria-label="Document"]')!;
      const walker = document.createTreeWalker(editor, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const index = node.textContent!.indexOf(word);
        if (index === -1) continue;
        const range = document.createRange();
        range.setStart(node, index);
        range.setEnd(node, index + word.length);
        const rect = range.getBoundingClientRect();
        return { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 };
      }
      return null;
    },
    { word },
  );
  expect(box, `"${word}" is in the document`).not.toBeNull();
  await person.page.mouse.dblclick(box!.x, box!.y);
  // The editor takes the browser's selection asynchronously: a shortcut pressed before it did
  // would find nothing selected.
  await expect.poll(() => person.page.evaluate(() => window.getSelection()?.toString().trim())).toBe(word);
}

test('a commenter comments on selected text, the editor replies, the commenter resolves, the editor reopens; a viewer sees nothing', async ({
  personAs,
  room,
}) => {
  const alice = await personAs(ALICE);
  await aliceWrites(alice, room);
  const commentLink = await alice.readCommentLink();
  const viewLink = await alice.readViewLink();

  const carla = await personAs(CARLA);
  await carla.openCommentLink(commentLink);
  await expect.poll(() => carla.documentText()).toBe(TEXT);
  const vera = await personAs(VERA);
  await vera.openViewLink(viewLink);

  // Carla selects "brown" and comments through the bubble beside it.
  await selectWord(carla, 'brown');
  await carla.page.getByRole('button', { name: 'Comment', exact: true }).last().click();
  const composer = margin(carla).getByRole('form', { name: 'New comment' });
  await expect(composer.getByRole('textbox', { name: 'Comment' })).toBeFocused();
  await expect(composer).toContainText('brown');
  await carla.page.keyboard.type('Is brown the right colour?');
  await composer.getByRole('button', { name: 'Post' }).click();
  await expect(composer).toHaveCount(0);
  const carlasThread = thread(carla, 'brown');
  await expect(carlasThread).toContainText('Is brown the right colour?');
  await expect(carlasThread).toContainText('Carla');
  await expect(carlasThread.getByRole('time').first()).toHaveText('just now');
  await expect(carlasThread.getByRole('time').first()).toHaveAttribute('title', /\d{4}/);

  // Alice sees it under Carla's name and replies.
  const alicesThread = thread(alice, 'brown');
  await expect(alicesThread).toContainText('Is brown the right colour?');
  await expect(alicesThread.locator('.comment-author').first()).toHaveText('Carla');
  await alicesThread.getByRole('textbox', { name: 'Reply' }).fill('Yes, keep it.');
  await alicesThread.getByRole('button', { name: 'Reply' }).click();
  await expect(carlasThread).toContainText('Yes, keep it.');
  // Only one's own comments can be edited or deleted.
  await expect(alicesThread.getByRole('listitem').filter({ hasText: 'Yes, keep it.' }).getByRole('button', { name: 'Edit' })).toBeVisible();
  await expect(alicesThread.getByRole('listitem').filter({ hasText: 'Is brown' }).getByRole('button', { name: 'Edit' })).toHaveCount(0);

  // Carla resolves: the thread leaves both margins unless "Show resolved" is on.
  await carlasThread.getByRole('button', { name: 'Resolve' }).click();
  await expect(thread(carla, 'brown')).toHaveCount(0);
  await expect(thread(alice, 'brown')).toHaveCount(0);
  await margin(alice).getByRole('checkbox', { name: 'Show resolved (1)' }).check();
  await expect(alicesThread).toContainText('Resolved by Carla');
  await alicesThread.getByRole('button', { name: 'Reopen' }).click();
  await expect(thread(carla, 'brown')).toContainText('Yes, keep it.');
  await expect(thread(carla, 'brown').getByRole('button', { name: 'Resolve' })).toBeVisible();

  // Carla cannot change the text; Vera sees no comments at all.
  await expect(carla.editor).toHaveAttribute('contenteditable', 'false');
  await carla.editor.click();
  await carla.page.keyboard.type('Carla was here');
  expect(await carla.documentText()).toBe(TEXT);
  await expect(alice.editor).toHaveText(TEXT);
  await expect(vera.page.getByRole('complementary', { name: 'Comments' })).toHaveCount(0);
  await expect(vera.page.getByText('Is brown the right colour?')).toHaveCount(0);

  expect(await seriousAxeViolations(alice.page)).toEqual([]);
  expect(await seriousAxeViolations(carla.page)).toEqual([]);
});

test('keyboard only: select with Shift, Ctrl+Alt+M opens the composer, Tab and Enter post; own comments edit and delete', async ({ personAs, room }) => {
  const alice = await personAs(ALICE);
  await aliceWrites(alice, room);
  await alice.page.keyboard.press('Shift+Home');
  await alice.page.keyboard.press('Control+Alt+m');
  const composer = margin(alice).getByRole('form', { name: 'New comment' });
  await expect(composer.getByRole('textbox', { name: 'Comment' })).toBeFocused();
  await alice.page.keyboard.type('Whole sentence?');
  await alice.page.keyboard.press('Tab');
  await expect(composer.getByRole('checkbox', { name: 'Suggest a change' })).toBeFocused();
  await alice.page.keyboard.press('Tab');
  await expect(composer.getByRole('button', { name: 'Post' })).toBeFocused();
  await alice.page.keyboard.press('Enter');
  const card = thread(alice, TEXT);
  await expect(card).toContainText('Whole sentence?');

  await card.getByRole('button', { name: 'Edit' }).click();
  await card.getByRole('textbox', { name: 'Edit comment' }).fill('Whole sentence, really?');
  await card.getByRole('button', { name: 'Save' }).click();
  await expect(card).toContainText('Whole sentence, really?');
  await expect(card).toContainText('(edited)');
  alice.page.once('dialog', (dialog) => void dialog.accept());
  await card.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(card).toContainText('Comment deleted');

  // Nothing selected: Ctrl+Alt+M says so instead of opening an empty composer.
  await alice.placeCaret('end');
  await alice.page.keyboard.press('Control+Alt+m');
  await expect(margin(alice).getByRole('alert')).toHaveText('Select some text to comment on.');
});

test('viewers see the threads, read-only, once the share dialog lets them', async ({ personAs, room }) => {
  const alice = await personAs(ALICE);
  await aliceWrites(alice, room);
  await alice.page.keyboard.press('Shift+Home');
  await alice.page.getByRole('button', { name: 'Comment', exact: true }).first().click();
  await margin(alice).getByRole('textbox', { name: 'Comment' }).fill('For the readers');
  await margin(alice).getByRole('button', { name: 'Post' }).click();
  await expect(thread(alice, TEXT)).toBeVisible();

  const viewLink = await alice.readViewLink();
  const vera = await personAs(VERA);
  await vera.openViewLink(viewLink);
  await expect(vera.page.getByText('For the readers')).toHaveCount(0);

  const dialog = await alice.openShareDialog();
  await dialog.getByRole('checkbox', { name: 'Viewers can see comments' }).check();
  await expect(dialog.getByRole('checkbox', { name: 'Viewers can see comments' })).toBeEnabled();
  await dialog.getByRole('button', { name: 'Close' }).click();

  await expect(thread(vera, TEXT)).toContainText('For the readers');
  await expect(thread(vera, TEXT).getByRole('button', { name: 'Reply' })).toHaveCount(0);
  await expect(thread(vera, TEXT).getByRole('button', { name: 'Resolve' })).toHaveCount(0);
  await expect(vera.page.getByRole('button', { name: 'Comment', exact: true })).toHaveCount(0);
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });

  test('the threads are a list after the text, nothing scrolls sideways', async ({ personAs, room }) => {
    const alice = await personAs(ALICE);
    await aliceWrites(alice, room);
    // The sentence wraps at this width: select from the start of the document, not of the line.
    await alice.page.keyboard.press('Control+Shift+Home');
    await alice.page.getByRole('button', { name: 'Comment', exact: true }).first().tap();
    await margin(alice).getByRole('textbox', { name: 'Comment' }).fill('From my phone');
    await margin(alice).getByRole('button', { name: 'Post' }).tap();
    const card = thread(alice, TEXT);
    await expect(card).toContainText('From my phone');

    const editorBox = (await alice.editor.boundingBox())!;
    const cardBox = (await card.boundingBox())!;
    expect(cardBox.y).toBeGreaterThanOrEqual(editorBox.y + editorBox.height);
    expect(cardBox.x + cardBox.width).toBeLessThanOrEqual(375);
    const widths = await alice.page.evaluate(() => ({ page: document.documentElement.scrollWidth, viewport: window.innerWidth }));
    expect(widths.page).toBeLessThanOrEqual(widths.viewport);
  });
});

// The server puts the `comment` mark on the quoted text (server/comments/text-anchor.ts).
/**
 * The text under the matching highlights, joined: someone's caret inside the word splits one
 * highlight into two spans around it, which reads the same to a person.
 */
function joinedText(locator: Locator): Promise<string> {
  return locator.allTextContents().then((parts) => parts.join(''));
}

test('the commented text is highlighted; clicking it selects its thread and the other way round; deleted text leaves the quote', async ({
  personAs,
  room,
}) => {
  const alice = await personAs(ALICE);
  await aliceWrites(alice, room);
  const commentLink = await alice.readCommentLink();
  const carla = await personAs(CARLA);
  await carla.openCommentLink(commentLink);
  await expect.poll(() => carla.documentText()).toBe(TEXT);

  // The comment page's editor is read-only, so it never has focus: the shortcut reaches the
  // window, possibly before the editor heard of the new selection (it takes the browser's).
  await selectWord(carla, 'lazy');
  await carla.page.keyboard.press('Control+Alt+m');
  await expect(margin(carla).getByRole('button', { name: 'Post' })).toBeVisible();
  await carla.page.keyboard.type('Lazy is unkind.');
  await margin(carla).getByRole('button', { name: 'Post' }).click();

  const highlight = alice.editor.locator('.comment-highlight');
  await expect.poll(() => joinedText(highlight)).toBe('lazy');
  await expect(thread(alice, 'lazy')).not.toContainText('On deleted text');
  await highlight.click();
  await expect(thread(alice, 'lazy')).toHaveAttribute('aria-current', 'true');
  await expect.poll(() => joinedText(alice.editor.locator('.comment-highlight-selected'))).toBe('lazy');
  await thread(carla, 'lazy').getByRole('button', { name: /lazy/ }).click();
  await expect.poll(() => joinedText(carla.editor.locator('.comment-highlight-selected'))).toBe('lazy');

  // Resolved threads' text is not highlighted unless "Show resolved" is on.
  await thread(carla, 'lazy').getByRole('button', { name: 'Resolve' }).click();
  await expect(highlight).toHaveCount(0);
  await margin(alice).getByRole('checkbox', { name: 'Show resolved (1)' }).check();
  await expect.poll(() => joinedText(highlight)).toBe('lazy');
  await thread(alice, 'lazy').getByRole('button', { name: 'Reopen' }).click();

  // Alice deletes the commented word: the thread stays, on deleted text.
  await alice.placeCaret('end');
  for (let i = 0; i < 'lazy dog.'.length; i++) await alice.page.keyboard.press('Backspace');
  await expect(thread(carla, 'lazy')).toContainText('On deleted text');
  await expect(carla.editor.locator('.comment-highlight')).toHaveCount(0);
});

test('a commenter suggests a change, the editor accepts it, and both see the new text', async ({ personAs, room }) => {
  const alice = await personAs(ALICE);
  await aliceWrites(alice, room);
  const commentLink = await alice.readCommentLink();
  const carla = await personAs(CARLA);
  await carla.openCommentLink(commentLink);
  await expect.poll(() => carla.documentText()).toBe(TEXT);

  // Carla selects "brown", turns on "Suggest a change": the replacement starts as her selection.
  await selectWord(carla, 'brown');
  await carla.page.getByRole('button', { name: 'Comment', exact: true }).last().click();
  const composer = margin(carla).getByRole('form', { name: 'New comment' });
  await expect(composer.getByRole('textbox', { name: 'Comment' })).toBeFocused();
  await expect(composer).toContainText('brown');
  await carla.page.keyboard.type('Red reads better.');
  await composer.getByRole('checkbox', { name: 'Suggest a change' }).check();
  const replacement = composer.getByRole('textbox', { name: 'Replace with' });
  await expect(replacement).toHaveValue('brown');
  await replacement.fill('red');
  await composer.getByRole('button', { name: 'Post' }).click();
  await expect(composer).toHaveCount(0);
  await expect(thread(carla, 'brown')).toContainText('Replace “brown” with “red”');
  // Only editors decide.
  await expect(thread(carla, 'brown').getByRole('button', { name: 'Accept' })).toHaveCount(0);

  const alicesThread = thread(alice, 'brown');
  await expect(alicesThread).toContainText('Replace “brown” with “red”');
  await alicesThread.getByRole('button', { name: 'Accept' }).click();
  const changed = 'The quick red fox jumps over the lazy dog.';
  await expect(alice.editor).toHaveText(changed);
  await expect.poll(() => carla.documentText()).toBe(changed);
  // Accepting resolves the thread; shown resolved, it tells the outcome and still marks the new text.
  await expect(thread(carla, 'brown')).toHaveCount(0);
  await margin(carla).getByRole('checkbox', { name: 'Show resolved (1)' }).check();
  await expect(thread(carla, 'brown')).toContainText('Accepted by Alice');
  await expect.poll(() => joinedText(carla.editor.locator('.comment-highlight'))).toBe('red');
  expect(await seriousAxeViolations(carla.page)).toEqual([]);
});

test('"HTML with comments" exports the open threads as footnotes after their text; plain HTML leaves them out', async ({ personAs, room }) => {
  const alice = await personAs(ALICE);
  await aliceWrites(alice, room);
  await selectWord(alice, 'fox');
  await alice.page.keyboard.press('Control+Alt+m');
  const composer = margin(alice).getByRole('form', { name: 'New comment' });
  await composer.getByRole('textbox', { name: 'Comment' }).fill('Which fox? <ask>');
  await composer.getByRole('button', { name: 'Post' }).click();
  await expect(thread(alice, 'fox')).toContainText('Which fox? <ask>');

  const plain = await exportAs(alice.page, 'HTML (.html)');
  expect(plain.text).not.toContain('Which fox');
  const { filename, text } = await exportAs(alice.page, 'HTML with comments (.html)');
  expect(filename).toMatch(/\.html$/);
  expect(text).toContain('brown <span>fox</span><sup class="comment-ref"><a href="#comment-1" id="comment-ref-1" aria-label="Comment 1">1</a></sup> jumps');
  expect(text).toMatch(/<li id="comment-1">\n<p class="comment-note-quote"><q>fox<\/q> <a href="#comment-ref-1"/);
  expect(text).toContain('Which fox? &lt;ask&gt;');

  // The page itself: the number links to its note and back (open it as a reader would).
  const reader = await alice.page.context().newPage();
  await reader.setContent(text);
  await reader.getByRole('link', { name: 'Comment 1', exact: true }).click();
  await expect(reader.locator(':target')).toHaveAttribute('id', 'comment-1');
  await reader.close();
});
