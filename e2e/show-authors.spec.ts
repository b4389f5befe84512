/**
 * User stories: "Show authors" colours the live text by who wrote it. Three people write in
 * one room, each in their own browser; Alice turns the colours on and every person's text is
 * theirs (the decorated spans' author ids, matched to the legend's names, and their colour),
 * live as Carol types more; off again, nothing is left. The document itself never carries any
 * of it: not the export, not the Y.Doc the server holds. Viewers see the switch only when the
 * room lets them. Text a restore brings back is coloured as whoever first wrote it, not as
 * whoever restored it.
 */
import { WebsocketProvider } from 'y-websocket';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { versionsPath, type VersionResponse } from '../lib/protocol/history-api';
import { ALICE, BOB, CAROL, VERA, expect, test, type TandemPage } from './fixtures';
import { exportAs } from './support-editor';

function showAuthorsButton(tandem: TandemPage) {
  return tandem.page.getByRole('button', { name: 'Show authors', exact: true });
}

function legendOf(tandem: TandemPage) {
  return tandem.page.getByRole('region', { name: 'Authors' });
}

/** The author id the legend gives a person's name. */
async function legendAuthorId(tandem: TandemPage, name: string): Promise<string> {
  const entry = legendOf(tandem).getByRole('listitem').filter({ hasText: name });
  await expect(entry).toHaveCount(1);
  // Someone known only from presence so far has a provisional id until the server names them.
  await expect(entry).not.toHaveAttribute('data-author', /^client:/);
  return (await entry.getAttribute('data-author')) ?? '';
}

interface PaintedBlock {
  text: string;
  /** The text under author decorations, and whose each piece is. */
  pieces: { author: string; text: string; color: string; background: string }[];
}

/** The paragraph holding `fragment`, as painted: its text and its author runs (carets left out). */
async function paintedParagraph(tandem: TandemPage, fragment: string): Promise<PaintedBlock | null> {
  return tandem.editor.evaluate((root, wanted) => {
    const withoutCarets = (element: Element) => {
      const copy = element.cloneNode(true) as Element;
      copy.querySelectorAll('.collaboration-carets__caret').forEach((caret) => caret.remove());
      return copy.textContent ?? '';
    };
    const block = Array.from(root.querySelectorAll('p')).find((paragraph) => withoutCarets(paragraph).includes(wanted));
    if (!block) return null;
    return {
      text: withoutCarets(block),
      pieces: Array.from(block.querySelectorAll<HTMLElement>('.author-run')).map((span) => ({
        author: span.dataset.author ?? '',
        text: withoutCarets(span),
        color: getComputedStyle(span).getPropertyValue('--author-color').trim(),
        background: getComputedStyle(span).backgroundColor,
      })),
    };
  }, fragment);
}

/** Waits until the paragraph holding `fragment` is painted wholly as `authorId`'s, in `color`. */
async function expectParagraphBy(tandem: TandemPage, fragment: string, authorId: string, color: string): Promise<string> {
  await expect
    .poll(async () => {
      const block = await paintedParagraph(tandem, fragment);
      if (!block) return 'paragraph not found';
      const painted = block.pieces.map((piece) => piece.text).join('');
      if (painted !== block.text) return `painted "${painted}" of "${block.text}"`;
      const others = block.pieces.filter((piece) => piece.author !== authorId || piece.color !== color);
      return others.length === 0 ? 'theirs' : `also ${JSON.stringify(others)}`;
    })
    .toBe('theirs');
  const block = await paintedParagraph(tandem, fragment);
  return block!.pieces[0].background;
}

/** The document as the server stores it, read by a stock y-websocket client in Node. */
async function storedDocumentXml(baseURL: string, room: string): Promise<string> {
  const doc = new Y.Doc();
  const url = baseURL.replace(/^http/, 'ws') + '/sync';
  const provider = new WebsocketProvider(url, room, doc, { WebSocketPolyfill: WebSocket as never, disableBc: true });
  try {
    await new Promise<void>((resolve) => provider.once('sync', () => resolve()));
    return doc.getXmlFragment('default').toString();
  } finally {
    provider.destroy();
    doc.destroy();
  }
}

test('three people write, Alice shows authors: everyone’s text is in their colour, live, and gone when she turns it off', async ({
  openTogether,
  room,
  baseURL,
}) => {
  const [alice, bob, carol] = await openTogether(ALICE, BOB, CAROL);

  await alice.placeCaret('end');
  await alice.typeInEditor('Alice opens the notes.', 10);
  await alice.page.keyboard.press('Enter');
  await expect.poll(() => bob.documentText()).toBe('Alice opens the notes.\n');
  await bob.placeCaret('end');
  await bob.typeInEditor('Bob adds a point.', 10);
  await bob.page.keyboard.press('Enter');
  await expect.poll(() => carol.documentText()).toBe('Alice opens the notes.\nBob adds a point.\n');
  await carol.placeCaret('end');
  await carol.typeInEditor('Carol disagrees.', 10);
  await expect.poll(() => alice.documentText()).toBe('Alice opens the notes.\nBob adds a point.\nCarol disagrees.');

  // Nothing is coloured until someone asks.
  await expect(alice.editor.locator('.author-run')).toHaveCount(0);
  await expect(showAuthorsButton(alice)).toHaveAttribute('aria-pressed', 'false');
  await showAuthorsButton(alice).click();
  await expect(showAuthorsButton(alice)).toHaveAttribute('aria-pressed', 'true');

  const legend = legendOf(alice);
  await expect(legend.getByRole('listitem')).toHaveCount(3);
  await expect(legend.getByRole('listitem').filter({ hasText: 'Alice' })).toContainText('(you)');
  await expect(legend.getByRole('listitem').filter({ hasText: 'Bob' })).not.toContainText('(you)');
  // The server named everyone: no note that it could not be asked.
  await expect(legend.getByRole('status')).toHaveCount(0);

  const ids = {
    alice: await legendAuthorId(alice, 'Alice'),
    bob: await legendAuthorId(alice, 'Bob'),
    carol: await legendAuthorId(alice, 'Carol'),
  };
  expect(new Set(Object.values(ids)).size).toBe(3);
  const aliceTint = await expectParagraphBy(alice, 'Alice opens', ids.alice, ALICE.color);
  const bobTint = await expectParagraphBy(alice, 'Bob adds', ids.bob, BOB.color);
  const carolTint = await expectParagraphBy(alice, 'Carol disagrees', ids.carol, CAROL.color);
  // Three different, visible tints (never transparent).
  expect(new Set([aliceTint, bobTint, carolTint]).size).toBe(3);
  for (const tint of [aliceTint, bobTint, carolTint]) expect(tint).not.toBe('rgba(0, 0, 0, 0)');

  // Carol writes more: it is hers at once on Alice's screen.
  await carol.page.keyboard.press('End');
  await carol.typeInEditor(' Strongly, in fact.', 10);
  await expect.poll(() => alice.documentText()).toContain('Carol disagrees. Strongly, in fact.');
  await expectParagraphBy(alice, 'Strongly, in fact.', ids.carol, CAROL.color);
  // Alice's own new words are hers too.
  await alice.placeCaret('start');
  await alice.page.keyboard.press('End');
  await alice.typeInEditor(' Welcome.', 10);
  await expectParagraphBy(alice, 'Alice opens the notes. Welcome.', ids.alice, ALICE.color);
  // A paragraph of her own, new while the colours are on.
  await alice.page.keyboard.press('Enter');
  await alice.typeInEditor('Agenda follows.', 10);
  await expectParagraphBy(alice, 'Agenda follows.', ids.alice, ALICE.color);
  await expectParagraphBy(alice, 'Bob adds', ids.bob, BOB.color);

  // A per-browser choice: Bob never turned it on.
  await expect(bob.editor.locator('.author-run')).toHaveCount(0);
  await expect(showAuthorsButton(bob)).toHaveAttribute('aria-pressed', 'false');

  // Only the screen: the export and the stored document carry no authorship.
  const html = await exportAs(alice.page, 'HTML (.html)');
  expect(html.text).toContain('Strongly, in fact.');
  expect(html.text).not.toMatch(/author-run|data-author|--author-color/);
  const stored = await storedDocumentXml(baseURL!, room);
  expect(stored).toContain('Carol disagrees. Strongly, in fact.');
  expect(stored).not.toMatch(/author/i);

  // Remembered on reload; off removes every colour and the legend.
  await alice.page.reload();
  await expect(alice.connection).toHaveText('Connected');
  await expect(showAuthorsButton(alice)).toHaveAttribute('aria-pressed', 'true');
  await expectParagraphBy(alice, 'Bob adds', ids.bob, BOB.color);
  await showAuthorsButton(alice).press('Enter');
  await expect(showAuthorsButton(alice)).toHaveAttribute('aria-pressed', 'false');
  await expect(alice.editor.locator('.author-run')).toHaveCount(0);
  await expect(legendOf(alice)).toHaveCount(0);
  expect(await alice.documentText()).toBe('Alice opens the notes. Welcome.\nAgenda follows.\nBob adds a point.\nCarol disagrees. Strongly, in fact.');
});

test('Carol deletes everything and restores it: Show authors colours Alice’s paragraph as Alice’s and Bob’s as Bob’s, not Carol’s', async ({
  openTogether,
}) => {
  const [alice, bob, carol] = await openTogether(ALICE, BOB, CAROL);
  await alice.placeCaret('end');
  await alice.typeInEditor('Alice drafts the plan.', 10);
  await alice.page.keyboard.press('Enter');
  await expect.poll(() => bob.documentText()).toBe('Alice drafts the plan.\n');
  await bob.placeCaret('end');
  await bob.typeInEditor('Bob adds the budget.', 10);
  const both = 'Alice drafts the plan.\nBob adds the budget.';
  await expect.poll(() => carol.documentText()).toBe(both);
  // Alice watches with the colours on throughout.
  await showAuthorsButton(alice).click();
  await expect(legendOf(alice).getByRole('listitem')).toHaveCount(2);
  const ids = { alice: await legendAuthorId(alice, 'Alice'), bob: await legendAuthorId(alice, 'Bob') };
  await expectParagraphBy(alice, 'Alice drafts', ids.alice, ALICE.color);
  await expectParagraphBy(alice, 'Bob adds', ids.bob, BOB.color);

  await expect(bob.saveStatus).toHaveText('Saved');
  const named = await carol.page.request.post(versionsPath({ room: carol.roomId() }), { data: { name: 'The plan' } });
  expect(named.status()).toBe(201);
  const version = ((await named.json()) as VersionResponse).version;

  await carol.editor.click();
  await carol.page.keyboard.press('Control+a');
  await carol.page.keyboard.press('Backspace');
  await expect.poll(() => alice.documentText()).toBe('');

  // Carol restores the version from the history panel.
  await carol.page.getByRole('button', { name: 'Version history', exact: true }).click();
  const history = carol.page.getByRole('dialog', { name: 'Version history' });
  await history.getByRole('listbox', { name: 'Versions' }).getByRole('option', { name: new RegExp(version.name!) }).click();
  await history.getByRole('button', { name: 'Restore this version', exact: true }).click();
  await history.getByRole('group').filter({ hasText: 'Restore the document to' }).getByRole('button', { name: 'Yes, restore this version' }).click();
  await expect(history.getByRole('status').filter({ hasText: 'Restored the version' })).toBeVisible();
  await expect.poll(() => alice.documentText()).toBe(both);

  // The restored text is new Yjs items of Carol's restore, yet it is Alice's and Bob's.
  await expectParagraphBy(alice, 'Alice drafts', ids.alice, ALICE.color);
  await expectParagraphBy(alice, 'Bob adds', ids.bob, BOB.color);
  await expect(legendOf(alice).getByRole('listitem')).toHaveCount(2);
  await expect(legendOf(alice).getByRole('listitem').filter({ hasText: 'Carol' })).toHaveCount(0);
  // Bob, turning the colours on only now, sees the same.
  await showAuthorsButton(bob).click();
  await expectParagraphBy(bob, 'Alice drafts', ids.alice, ALICE.color);
  await expectParagraphBy(bob, 'Bob adds', ids.bob, BOB.color);

  // What Carol types into the restored text afterwards is hers.
  await history.getByRole('button', { name: 'Close', exact: true }).click();
  await carol.placeCaret('end');
  await carol.typeInEditor(' Carol agrees.', 10);
  await expect.poll(() => alice.documentText()).toBe(`${both} Carol agrees.`);
  await expect
    .poll(async () => (await paintedParagraph(alice, 'Bob adds'))?.pieces.map((piece) => [piece.text, piece.author]))
    .toEqual([
      ['Bob adds the budget.', ids.bob],
      [' Carol agrees.', await legendAuthorId(alice, 'Carol')],
    ]);
});

test('a viewer sees authors only once an editor lets viewers see history and authors', async ({ openTogether, personAs }) => {
  const [alice] = await openTogether(ALICE);
  await alice.placeCaret('end');
  await alice.typeInEditor('Draft by Alice.', 10);
  const link = await alice.readViewLink();

  const vera = await personAs(VERA);
  await vera.openViewLink(link);
  await expect.poll(() => vera.documentText()).toBe('Draft by Alice.');
  await expect(showAuthorsButton(vera)).toHaveCount(0);

  const dialog = await alice.openShareDialog();
  const setting = dialog.getByRole('checkbox', { name: 'Viewers can see history and authors' });
  await expect(setting).toBeEnabled();
  await expect(setting).not.toBeChecked();
  await setting.check();
  await expect(setting).toBeChecked();
  await expect(setting).toBeEnabled();
  await dialog.getByRole('button', { name: 'Close' }).click();
  // The dialog reads the setting back from the server.
  await alice.openShareDialog();
  await expect(dialog.getByRole('checkbox', { name: 'Viewers can see history and authors' })).toBeChecked();
  await dialog.getByRole('button', { name: 'Close' }).click();

  await vera.page.reload();
  await expect(vera.connection).toHaveText('Connected');
  await showAuthorsButton(vera).click();
  await expect(legendOf(vera).getByRole('listitem')).toHaveCount(1);
  const aliceId = await legendAuthorId(vera, 'Alice');
  await expect(legendOf(vera)).not.toContainText('(you)');
  await expectParagraphBy(vera, 'Draft by Alice.', aliceId, ALICE.color);
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });

  test('the switch and the legend fit the width and colour the text', async ({ openTogether }) => {
    const [alice, bob] = await openTogether(ALICE, BOB);
    await alice.editor.tap();
    await alice.typeInEditor('From a phone.', 10);
    await alice.page.keyboard.press('Enter');
    await expect.poll(() => bob.documentText()).toBe('From a phone.\n');
    await bob.placeCaret('end');
    await bob.typeInEditor('From a desk.', 10);
    await expect.poll(() => alice.documentText()).toBe('From a phone.\nFrom a desk.');

    await alice.openHeaderMenuIfFolded();
    await showAuthorsButton(alice).tap();
    await expect(legendOf(alice).getByRole('listitem')).toHaveCount(2);
    await expectParagraphBy(alice, 'From a desk.', await legendAuthorId(alice, 'Bob'), BOB.color);
    await expectParagraphBy(alice, 'From a phone.', await legendAuthorId(alice, 'Alice'), ALICE.color);
    const fits = await alice.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    expect(fits).toBe(true);
    for (const box of [await showAuthorsButton(alice).boundingBox(), await legendOf(alice).boundingBox()]) {
      expect(box).not.toBeNull();
      expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(375);
    }
  });
});
