/**
 * Comments in a real browser (Tandem only), on the web app as `npm start` runs it (production
 * build, SQLite) with Chromium as the end-to-end tests run it, two browser contexts per room:
 * an editor on the edit link and a commenter on the comment link.
 * - Post → thread on the other screen: the commenter selects a word, writes a comment and
 *   clicks Post; measured from that click (its event time in the commenter's page) until the
 *   editor's page has painted the frame showing the thread card with that comment.
 * - Typing with threads: automerge-paper's final text (one paragraph per line, about 100k
 *   characters) in two rooms, one with `threads` threads anchored over the whole text by the
 *   server (created through the real COMMENT_OP path), one with none. The editor types at the
 *   start of the document; each keystroke is timed until its own page and the commenter's page
 *   painted it. Both rooms are measured the same way, alternately, round after round.
 * Times across the two pages are `performance.timeOrigin + performance.now()` of each page
 * (both on this machine's clock). Seeding goes through a raw sync connection of an editor.
 * `BENCH_APP_PORT` picks the app's port (default: a free one).
 */
import type { Browser, Page } from '@playwright/test';
import * as Y from 'yjs';
import { commentLinkPath } from '../../lib/protocol/api-routes';
import { CONTENT_FRAGMENT_NAME } from '../../lib/protocol/document-schema';
import { commentId, openCommentPeer } from '../../test/support/comment-peer';
import { updateFrame } from '../../test/support/frames';
import { arm, inputAt, paintedAt, waitUntil, type Expectation } from '../lib/page-probe';
import { bodyUpdate, paperParagraphs } from '../lib/paper-room';
import { percentile, round } from '../lib/stats';
import { launchBrowser, personPage, startCpuProfile, startWebApp } from '../lib/web-app';

export interface CommentsPlan {
  /** Comments posted by the commenter, each timed until the editor's screen shows it. */
  posts: number;
  /** Threads over the 100k-character document in the room with threads. */
  threads: number;
  /** Keystrokes per room per round, and rounds (each room once per round, alternately). */
  keystrokes: number;
  rounds: number;
}

export interface CommentsResult {
  build: string;
  browser: string;
  posts: number;
  postP50Ms: number;
  postP95Ms: number;
  postMaxMs: number;
  documentChars: number;
  paragraphs: number;
  threads: number;
  typing: TypingRow[];
}

export interface TypingRow {
  room: string;
  keystrokes: number;
  /** Keystroke → the typist's own screen painted it. */
  ownP50Ms: number;
  ownP95Ms: number;
  /** Keystroke → the commenter's screen painted it (through the server). */
  otherP50Ms: number;
  otherP95Ms: number;
  otherMaxMs: number;
}

const EDITOR_AUTHOR = 'e'.repeat(22);

/** Paragraph texts of the body. Words `target<n>` are what the commenter comments on. */
function postDocument(posts: number): string[] {
  return Array.from({ length: posts }, (_, index) => `Paragraph ${index + 1} holds the word target${index + 1} among others.`);
}

/** Writes `update` into `room` as an editor, then creates `threads` threads spread over its text; returns the comment link id. */
async function seedRoom(baseUrl: string, room: string, update: Uint8Array, threads: number): Promise<string> {
  const syncUrl = `${baseUrl.replace(/^http/, 'ws')}/sync`;
  const peer = await openCommentPeer(syncUrl, room, { author: EDITOR_AUTHOR });
  try {
    await peer.snapshot();
    Y.applyUpdate(peer.doc, update);
    peer.send(updateFrame(update));
    const texts = peer.doc
      .getXmlFragment(CONTENT_FRAGMENT_NAME)
      .toArray()
      .map((paragraph) => (paragraph as Y.XmlElement).get(0))
      .filter((text): text is Y.XmlText => text instanceof Y.XmlText && text.length >= 20);
    if (threads > texts.length) throw new Error(`only ${texts.length} paragraphs can hold a thread, ${threads} asked`);
    const anchorAt = (text: Y.XmlText, index: number) => Buffer.from(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(text, index))).toString('base64');
    for (let index = 0; index < threads; index++) {
      // Evenly over the document; the same ten characters inside each chosen paragraph.
      const text = texts[Math.floor((index * texts.length) / threads)];
      const quote = text.toString().slice(5, 15);
      const result = await peer.op({
        op: 'create',
        threadId: commentId('t'),
        commentId: commentId('c'),
        anchor: { from: anchorAt(text, 5), to: anchorAt(text, 15) },
        quote: { text: quote, prefix: '', suffix: '' },
        body: `Thread ${index + 1} on this.`,
      });
      if (!('ok' in result)) throw new Error(`creating thread ${index + 1} in ${room} was refused: ${JSON.stringify(result)}`);
    }
  } finally {
    peer.destroy();
  }
  const response = await fetch(`${baseUrl}${commentLinkPath(room)}`);
  return ((await response.json()) as { commentId: string }).commentId;
}

export async function measureComments(plan: CommentsPlan): Promise<CommentsResult> {
  // The seeding connection writes the paper and 500 threads at once, far over a person's rate.
  const app = await startWebApp({ name: 'comments', env: { UPDATE_RATE_PER_SECOND: '0', BYTE_RATE_PER_SECOND: '0', COMMENT_OP_RATE_PER_SECOND: '0' } });
  let browser: Browser | null = null;
  try {
    const { baseUrl } = app;
    const stamp = Date.now().toString(36);
    browser = await launchBrowser();
    const open = async (url: string, length: number): Promise<Page> => {
      const page = await personPage(browser!, baseUrl);
      await page.goto(url);
      await waitUntil(page, { kind: 'live-length', length });
      return page;
    };
    /** The editor's and the commenter's pages on `room`, both showing the whole text. */
    const openPair = async (room: string, link: string, paragraphs: string[]) => {
      const length = paragraphs.join('').length;
      return { editor: await open(`/d/${room}`, length), commenter: await open(`/c/${link}`, length) };
    };

    // Post → thread on the editor's screen.
    const postParagraphs = postDocument(plan.posts);
    const postRoom = `bench-comments-${stamp}-post`;
    const postLink = await seedRoom(baseUrl, postRoom, bodyUpdate('comments bench', postParagraphs), 0);
    const posting = await openPair(postRoom, postLink, postParagraphs);
    const posts: number[] = [];
    for (let index = 1; index <= plan.posts; index++) {
      const body = `Post ${index}: is this word right?`;
      await selectWord(posting.commenter, `target${index}`);
      await posting.commenter.getByRole('button', { name: 'Comment', exact: true }).last().click();
      const composer = posting.commenter.getByRole('complementary', { name: 'Comments' }).getByRole('form', { name: 'New comment' });
      await composer.getByRole('textbox', { name: 'Comment' }).fill(body);
      await arm(posting.editor, { kind: 'thread', body });
      await arm(posting.commenter, { kind: 'thread', body });
      await composer.getByRole('button', { name: 'Post' }).click();
      const clickedAt = await inputAt(posting.commenter);
      posts.push((await paintedAt(posting.editor)) - clickedAt);
      await paintedAt(posting.commenter);
    }
    console.log(`  post → editor's screen (ms): ${posts.map((ms) => round(ms)).join(', ')}`);
    await posting.editor.context().close();
    await posting.commenter.context().close();

    // Typing in the 100k-character document, without and with threads.
    const paper = paperParagraphs();
    const paperUpdate = bodyUpdate('comments bench', paper);
    const rooms = [
      { label: 'no threads', threads: 0 },
      { label: `${plan.threads} threads`, threads: plan.threads },
    ];
    const timings = new Map<string, { own: number[]; other: number[] }>();
    const pairs = new Map<string, Awaited<ReturnType<typeof openPair>>>();
    for (const room of rooms) {
      const name = `bench-comments-${stamp}-${room.threads}`;
      console.log(`  seeding ${name}: ${paper.join('').length} characters, ${room.threads} threads…`);
      const link = await seedRoom(baseUrl, name, paperUpdate, room.threads);
      const pair = await openPair(name, link, paper);
      if (room.threads > 0) {
        await waitUntil(pair.commenter, { kind: 'thread', body: `Thread ${room.threads} on this.` });
      }
      await pair.editor.getByRole('textbox', { name: 'Document', exact: true }).click();
      await pair.editor.keyboard.press('Control+Home');
      pairs.set(room.label, pair);
      timings.set(room.label, { own: [], other: [] });
    }
    /** What the editor typed so far in each room: the caret stays after it, at the document's start. */
    const typed = new Map(rooms.map((room) => [room.label, '']));
    // BENCH_COMMENTS_PROFILE=<file>: a CPU profile of the typist's page in the room with threads.
    const profileFile = process.env.BENCH_COMMENTS_PROFILE;
    const stopProfile = profileFile ? await startCpuProfile(pairs.get(rooms[1].label)!.editor) : null;
    for (let pass = 0; pass < plan.rounds; pass++) {
      for (const room of rooms) {
        const { editor, commenter } = pairs.get(room.label)!;
        const { own, other } = timings.get(room.label)!;
        for (let key = 0; key < plan.keystrokes; key++) {
          const char = String.fromCharCode(97 + (key % 26));
          const typedSoFar = typed.get(room.label)! + char;
          typed.set(room.label, typedSoFar);
          const expectation: Expectation = { kind: 'first-block', prefix: typedSoFar };
          await arm(editor, expectation);
          await arm(commenter, expectation);
          await editor.keyboard.press(char);
          const pressedAt = await inputAt(editor);
          own.push((await paintedAt(editor)) - pressedAt);
          other.push((await paintedAt(commenter)) - pressedAt);
        }
      }
    }
    if (stopProfile) {
      await stopProfile(profileFile!);
    }
    const typing = rooms.map((room): TypingRow => {
      const { own, other } = timings.get(room.label)!;
      return {
        room: room.label,
        keystrokes: own.length,
        ownP50Ms: round(percentile(own, 50)),
        ownP95Ms: round(percentile(own, 95)),
        otherP50Ms: round(percentile(other, 50)),
        otherP95Ms: round(percentile(other, 95)),
        otherMaxMs: round(Math.max(...other)),
      };
    });
    return {
      build: app.build,
      browser: `Chromium ${browser.version()}`,
      posts: posts.length,
      postP50Ms: round(percentile(posts, 50)),
      postP95Ms: round(percentile(posts, 95)),
      postMaxMs: round(Math.max(...posts)),
      documentChars: paper.join('').length,
      paragraphs: paper.length,
      threads: plan.threads,
      typing,
    };
  } finally {
    await browser?.close();
    await app.stop();
  }
}

/** Selects `word` by double-clicking it, as the commenter does (their editor is not editable). */
async function selectWord(page: Page, word: string): Promise<void> {
  const box = (await page.evaluate(`(() => {
    const editor = document.querySelector('[role="textbox"][aria-label="Document"]');
    const walker = document.createTreeWalker(editor, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const index = node.textContent.indexOf(${JSON.stringify(word)});
      if (index === -1) continue;
      const range = document.createRange();
      range.setStart(node, index);
      range.setEnd(node, index + ${word.length});
      range.startContainer.parentElement.scrollIntoView({ block: 'center' });
      const rect = range.getBoundingClientRect();
      return { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 };
    }
    return null;
  })()`)) as { x: number; y: number } | null;
  if (box === null) throw new Error(`"${word}" is not in the commenter's document`);
  await page.mouse.dblclick(box.x, box.y);
}
