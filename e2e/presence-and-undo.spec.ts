/**
 * User stories: choosing your name, seeing who is here (avatars), jumping to and following
 * someone's caret, and undo that undoes only your edits.
 */
import { sleep } from '../test/support/wait';
import { ALICE, BOB, expect, test, type TandemPage } from './fixtures';

/**
 * Yjs groups one person's edits made within 500 ms into one undo step; this waits that out.
 * Time passing is the point here (nothing on the page shows the undo group closing), so these
 * are the suite's deliberate sleeps.
 */
const UNDO_GROUPING_MS = 600;

/** The page's scroll position once a (possibly smooth) scroll has come to rest. */
async function settledScrollTop(person: TandemPage): Promise<number> {
  let previous = -1;
  await expect
    .poll(async () => {
      const now = await person.scrollTop();
      const settled = now === previous;
      previous = now;
      return settled;
    }, { intervals: [250] })
    .toBe(true);
  return previous;
}

/** Adds `count` short paragraphs at the caret, quickly (insertText, not key by key). */
async function addLines(person: TandemPage, prefix: string, count: number): Promise<void> {
  for (let i = 1; i <= count; i++) {
    await person.page.keyboard.press('Enter');
    await person.page.keyboard.insertText(`${prefix} ${i}`);
  }
}


test('renaming yourself updates your caret label and presence chip for the other person', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  await expect(alice.presence).toContainText('Bob');

  const nameField = bob.page.getByRole('textbox', { name: 'Your name' });
  await expect(nameField).toHaveValue('Bob');
  await nameField.fill('Robert');
  await nameField.press('Enter');

  await bob.placeCaret('end');
  await bob.typeInEditor('Hi');
  await expect(alice.presence).toContainText('Robert');
  await expect(alice.caretLabel('Robert')).toBeVisible();

  // The name is remembered in this browser.
  await bob.page.reload();
  await expect(bob.page.getByRole('textbox', { name: 'Your name' })).toHaveValue('Robert');
});

test('a person with no saved identity gets a friendly random name', async ({ browser, room }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`/d/${room}`);
  await expect(page.getByRole('status', { name: 'Connection' })).toHaveText('Connected');
  await expect(page.getByRole('textbox', { name: 'Your name' })).toHaveValue(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
  await context.close();
});

test('undo after interleaved typing removes only your text, and leaves your caret where it was', async ({
  openTogether,
}) => {
  const [alice, bob] = await openTogether(ALICE, BOB);

  await alice.placeCaret('end');
  await alice.typeInEditor('Alice one.');
  await expect.poll(() => bob.documentText()).toBe('Alice one.');
  await bob.placeCaret('end');
  await bob.page.keyboard.press('Enter');
  await bob.typeInEditor('Bob one.');
  await expect.poll(() => alice.documentText()).toBe('Alice one.\nBob one.');

  // Alice goes on at the end of her line while Bob goes on at the end of his.
  // Her sentence arrives as one input (as from a paste or IME), so it is exactly one undo step
  // however slow the machine types.
  await sleep(UNDO_GROUPING_MS);
  await alice.page.keyboard.insertText(' Alice two.');
  await bob.typeInEditor(' Bob two.');
  await expect.poll(() => alice.documentText()).toBe('Alice one. Alice two.\nBob one. Bob two.');
  await expect.poll(() => bob.documentText()).toBe('Alice one. Alice two.\nBob one. Bob two.');

  // One undo takes back her last sentence only; her caret is where that sentence began.
  await sleep(UNDO_GROUPING_MS);
  await alice.page.keyboard.press('Control+z');
  await expect.poll(() => bob.documentText()).toBe('Alice one.\nBob one. Bob two.');
  await alice.page.keyboard.type('|');
  await expect.poll(() => bob.documentText()).toBe('Alice one.|\nBob one. Bob two.');

  // Undoing everything she did leaves all of Bob's text.
  for (let i = 0; i < 10; i++) await alice.page.keyboard.press('Control+z');
  await expect.poll(() => bob.documentText()).toBe('Bob one. Bob two.');
  await expect.poll(() => alice.documentText()).toBe('Bob one. Bob two.');

  // Redo brings her text back for both, around Bob's.
  // KeyZ, not "z": a real keyboard sends Shift+Z with its key code, which is what ProseMirror maps.
  for (let i = 0; i < 10; i++) await alice.page.keyboard.press('Control+Shift+KeyZ');
  await expect.poll(() => bob.documentText()).toBe('Alice one.|\nBob one. Bob two.');

  // Bob undoing everything he did (with the toolbar's Undo button, until it has nothing left)
  // likewise leaves all of Alice's text.
  const bobUndo = bob.page.getByRole('toolbar', { name: 'Formatting' }).getByRole('button', { name: 'Undo', exact: true });
  for (let i = 0; i < 10 && (await bobUndo.isEnabled()); i++) await bobUndo.click();
  await expect(bobUndo).toBeDisabled();
  await expect.poll(() => alice.documentText()).toBe('Alice one.|');
  await expect.poll(() => bob.documentText()).toBe('Alice one.|');
});

test('the avatar stack shows initials in each person’s colour and the full name', async ({ openTogether }) => {
  const [alice] = await openTogether(ALICE, BOB);
  const bobAvatar = alice.avatar('Bob');
  await expect(bobAvatar).toBeVisible();
  await expect(bobAvatar).toHaveAttribute('data-initials', 'B');
  await expect(bobAvatar).toHaveAttribute('title', /^Bob\b/);
  await expect(bobAvatar).toHaveCSS('background-color', 'rgb(180, 35, 24)');
  // Just arrived and active, so not idle.
  await expect(bobAvatar).not.toHaveClass(/avatar-idle/);
});

test('someone who has not edited for minutes is shown as idle, and active again once they type', async ({
  personAs,
  room,
}) => {
  // Bob's browser clock says his last activity (opening the page) was ten minutes ago.
  const bob = await personAs(BOB);
  await bob.page.clock.setFixedTime(Date.now() - 10 * 60_000);
  await bob.openDocument(room);
  const alice = await personAs(ALICE);
  await alice.openDocument(room);
  await expect(alice.avatar('Bob, idle')).toHaveClass(/avatar-idle/);
  await expect(alice.avatar('Bob, idle')).toHaveAttribute('title', /^Bob, idle/);

  await bob.page.clock.setFixedTime(Date.now());
  await bob.placeCaret('end');
  await bob.typeInEditor('Back');
  await expect(alice.avatar('Bob')).not.toHaveClass(/avatar-idle/);
});

test('a person who closes their page leaves the avatar stack at once', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  await expect(alice.avatar('Bob')).toBeVisible();
  await bob.page.close();
  await expect(alice.avatar('Bob')).toHaveCount(0, { timeout: 5_000 });
  await expect(alice.presence).toContainText('Only you here');
});

test('someone else’s caret never moves the text around it', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  await alice.placeCaret('end');
  await alice.typeInEditor('The quick brown fox jumps over the lazy dog');
  await alice.page.keyboard.press('Control+Home');
  await expect.poll(() => bob.documentText()).toBe('The quick brown fox jumps over the lazy dog');
  const lastCharacterBox = () =>
    alice.editor.evaluate((editor) => {
      const paragraph = editor.querySelector('p');
      const walker = document.createTreeWalker(paragraph as Node, NodeFilter.SHOW_TEXT);
      let last: Text | null = null;
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (!(node.parentElement as HTMLElement).closest('.collaboration-carets__caret')) last = node as Text;
      }
      const range = document.createRange();
      range.setStart(last as Text, (last as Text).length - 1);
      range.setEnd(last as Text, (last as Text).length);
      const box = range.getBoundingClientRect();
      return { right: box.right, top: box.top, height: (paragraph as HTMLElement).getBoundingClientRect().height };
    });
  await expect(alice.caretOf('Bob')).toHaveCount(0);
  const before = await lastCharacterBox();

  // Bob puts his caret in the middle of the line.
  await bob.placeCaret('start');
  for (let i = 0; i < 'The quick '.length; i++) await bob.page.keyboard.press('ArrowRight');
  await expect(alice.caretOf('Bob')).toBeVisible();
  // Within a pixel: splitting the text node at the caret can move glyphs by subpixel rounding
  // (0.016 px seen once in CI), which nobody sees; a caret that takes space moves them by its width.
  const after = await lastCharacterBox();
  expect(Math.abs(after.right - before.right)).toBeLessThan(1);
  expect(Math.abs(after.top - before.top)).toBeLessThan(1);
  expect(Math.abs(after.height - before.height)).toBeLessThan(1);
});

test('clicking an avatar jumps to that person’s caret, and follows it until you act', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  // A document much longer than the window.
  await alice.placeCaret('end');
  await alice.page.keyboard.insertText('Line 0');
  await addLines(alice, 'Line', 60);
  await expect.poll(() => bob.documentText()).toContain('Line 60');

  // Bob writes at the end; Alice reads at the top.
  await bob.placeCaret('end');
  await bob.typeInEditor(' Bob was here');
  await alice.page.keyboard.press('Control+Home');
  await alice.page.evaluate(() => window.scrollTo(0, 0));
  await expect(alice.caretOf('Bob')).toBeAttached();
  expect(await alice.isInViewport(alice.caretOf('Bob'))).toBe(false);

  await alice.avatar('Bob').click();
  await expect.poll(() => alice.isInViewport(alice.caretOf('Bob'))).toBe(true);
  await expect(alice.followStatus).toHaveText(/Following Bob/);

  // Following: as Bob writes on past the window's height, his caret stays in Alice's view.
  const followedFrom = await alice.scrollTop();
  await addLines(bob, 'More', 30);
  await expect.poll(() => alice.documentText()).toContain('More 30');
  await expect.poll(() => alice.isInViewport(alice.caretOf('Bob'))).toBe(true);
  expect(await alice.scrollTop()).toBeGreaterThan(followedFrom);

  // Alice scrolls herself: following stops, and Bob's writing no longer moves her page.
  await alice.page.mouse.move(400, 400);
  await alice.page.mouse.wheel(0, -600);
  await expect(alice.followStatus).not.toContainText('Following');
  const stoppedAt = await settledScrollTop(alice);
  await addLines(bob, 'Even more', 30);
  await expect.poll(() => alice.documentText()).toContain('Even more 30');
  expect(await alice.scrollTop()).toBe(stoppedAt);
  expect(await alice.isInViewport(alice.caretOf('Bob'))).toBe(false);

  // Jumping never moved Alice's own caret: she still types at the top.
  await alice.editor.focus();
  await alice.page.keyboard.type('Top: ');
  await expect.poll(() => bob.documentText()).toMatch(/^Top: Line 0\n/);
});

test('the Stop button ends following', async ({ openTogether }) => {
  const [alice, bob] = await openTogether(ALICE, BOB);
  await bob.placeCaret('end');
  await bob.typeInEditor('Hello');
  await alice.avatar('Bob').click();
  await expect(alice.followStatus).toHaveText(/Following Bob/);
  // Keyboard only: Tab to the Stop button and press it.
  await alice.avatar('Bob').focus();
  await alice.page.keyboard.press('Tab');
  await expect(alice.followStatus.getByRole('button', { name: 'Stop following' })).toBeFocused();
  await alice.page.keyboard.press('Enter');
  await expect(alice.followStatus).toHaveText('');
});
