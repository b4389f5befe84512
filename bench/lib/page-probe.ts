/**
 * Timing inside the page, so no round trip to the bench process is measured: a script (added
 * before the app's own) notes when each real input event (a click or key press that Playwright
 * sent as the user would) reached the page, and waits with a MutationObserver for an expected
 * state of the DOM, then for the frame that shows it to be painted (a task queued from the next
 * animation frame runs after that frame). Times are absolute, `performance.timeOrigin` plus the
 * page's clock (which input events' `timeStamp` also uses), so times taken in two pages (two
 * browser contexts, two people) on this machine compare: a keystroke in one page against the
 * frame that paints it in the other.
 *
 * Three ways to use it: `timeInput` (one input → one expected state, same page); `arm` on
 * several pages, one input, then `inputAt` and `paintedAt` (one input → each page's screen);
 * `watchTyping` + `typingLog` (a run of keystrokes into the first paragraph, each
 * one's keydown and the frame that first showed it, without a round trip per key, so keys can
 * come on a schedule). `watchLoad` (before navigation) times a page's load until it shows a state.
 *
 * Plain JavaScript in a string: functions handed to `page.evaluate` would be serialised from
 * what tsx compiled, helpers included, which the page does not have. Waits go through the probe
 * too: Playwright's `waitForFunction` evaluates its predicate in a way the app's CSP refuses.
 */
import type { Page } from '@playwright/test';

/** What the page must show for a wait to end. */
export type Expectation =
  /** The history panel's status line gives the change count of the version titled so. */
  | { kind: 'diff-shown'; title: string }
  /** The live editor's text is exactly this. */
  | { kind: 'live-text'; text: string }
  /** The live editor's text is this long. */
  | { kind: 'live-length'; length: number }
  /** The history panel lists more versions than this. */
  | { kind: 'versions-listed-over'; count: number }
  /** A comment card in the margin holds this text. */
  | { kind: 'thread'; body: string }
  /** The editor's first block starts with this. */
  | { kind: 'first-block'; prefix: string };

export interface Timing {
  /** From the input event to the DOM state expected (ms). */
  domMs: number;
  /** From the input event until the frame showing it was painted (ms). */
  paintedMs: number;
}

/** Absolute times (ms since the epoch, fractional) of one run of keystrokes in one page. */
export interface TypingLog {
  /** Each trusted keydown in this page since `watchTyping`, in order (the typist's page only). */
  keydowns: number[];
  /** When the frame first showing the first k + 1 typed characters was painted, for each k. */
  painted: number[];
}

const PROBE = `(() => {
  const now = () => performance.timeOrigin + performance.now();
  let lastInput = null;
  let typing = null;
  for (const type of ['click', 'keydown']) {
    window.addEventListener(type, (event) => {
      if (!event.isTrusted) return;
      lastInput = performance.timeOrigin + event.timeStamp;
      if (type === 'keydown' && typing) typing.keydowns.push(lastInput);
    }, { capture: true });
  }
  const editor = () => document.querySelector('[role="textbox"][aria-label="Document"]');
  // Other people's carets are widgets inside the text, their names in them: not the document's text.
  const CARET = '.collaboration-carets__caret';
  const textOf = (element) => {
    if (!element) return '';
    if (!element.querySelector(CARET)) return element.textContent;
    const copy = element.cloneNode(true);
    for (const caret of copy.querySelectorAll(CARET)) caret.remove();
    return copy.textContent;
  };
  const lengthOf = (element) => [...element.querySelectorAll(CARET)].reduce((length, caret) => length - caret.textContent.length, element.textContent.length);
  const firstBlock = () => textOf(editor()?.firstElementChild);
  const holds = (expectation) => {
    if (expectation.kind === 'diff-shown') {
      // "<title>, <time>. <n> changes since the version before.": the count comes once it is rendered.
      const summary = document.querySelector('dialog[open] .history-summary')?.textContent ?? '';
      return summary.startsWith(expectation.title + ', ') && /\\. \\d+ changes? since the version before\\.$/.test(summary);
    }
    if (expectation.kind === 'versions-listed-over') return document.querySelectorAll('dialog[open] [role="option"]').length > expectation.count;
    if (expectation.kind === 'thread') {
      return [...document.querySelectorAll('aside[aria-label="Comments"] article')].some((card) => card.textContent.includes(expectation.body));
    }
    const live = editor();
    if (live === null) return false;
    if (expectation.kind === 'first-block') return firstBlock().startsWith(expectation.prefix);
    return expectation.kind === 'live-text' ? textOf(live) === expectation.text : lengthOf(live) === expectation.length;
  };
  const observe = (target, onChange) => {
    const observer = new MutationObserver(onChange);
    observer.observe(target, { subtree: true, childList: true, characterData: true, attributes: true });
    return observer;
  };
  const until = (expectation) => new Promise((resolve) => {
    if (holds(expectation)) return resolve();
    const observer = observe(document, () => {
      if (!holds(expectation)) return;
      observer.disconnect();
      resolve();
    });
  });
  // A rAF callback runs before its frame is painted; a task queued there runs after.
  const painted = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(() => resolve(now()))));
  const timed = (expectation) => until(expectation).then(() => {
    const domAt = now();
    return painted().then((paintedAt) => ({ inputAt: lastInput, domAt, paintedAt }));
  });
  let pending = null;
  let loading = null;
  window.__benchProbe = {
    expect(expectation) {
      lastInput = null;
      pending = timed(expectation);
    },
    until,
    result() {
      return pending;
    },
    lastInput() {
      return lastInput;
    },
    firstBlock,
    liveLength() {
      const live = editor();
      return live === null ? null : lengthOf(live);
    },
    watchLoad(expectation) {
      loading = timed(expectation).then((times) => times.paintedAt - performance.timeOrigin);
    },
    loaded() {
      return loading;
    },
    watchTyping(text, before, after) {
      typing?.observer.disconnect();
      const log = { keydowns: [], painted: [], shown: 0, observer: null };
      const check = () => {
        const first = firstBlock();
        const count = first.length - before.length - after.length;
        if (count <= log.shown || !first.startsWith(before) || !first.endsWith(after) || !text.startsWith(first.slice(before.length, before.length + count))) return;
        const from = log.shown;
        log.shown = count;
        painted().then((at) => {
          for (let index = from; index < count; index++) log.painted[index] ??= at;
        });
      };
      log.observer = observe(editor(), check);
      typing = log;
    },
    typingLog(count) {
      return new Promise((resolve) => {
        // A loop, not every(): the log is sparse until each prefix was painted.
        const done = () => {
          for (let index = 0; index < count; index++) if (typing.painted[index] === undefined) return false;
          return true;
        };
        const poll = () => (done() ? resolve({ keydowns: typing.keydowns, painted: typing.painted.slice(0, count) }) : setTimeout(poll, 20));
        poll();
      });
    },
  };
})();`;

/** Adds the probe to every page `page`'s context opens from now on. */
export async function addProbe(page: Page): Promise<void> {
  await page.addInitScript({ content: PROBE });
}

/** Waits until the page shows `expectation`. */
export async function waitUntil(page: Page, expectation: Expectation, timeoutMs = 60_000): Promise<void> {
  await withTimeout(page.evaluate(`window.__benchProbe.until(${JSON.stringify(expectation)})`), timeoutMs, describe(expectation));
}

/**
 * Times `act` (which must send one real input event, e.g. a click or key press) until the
 * page shows `expectation`. Rejects after `timeoutMs`.
 */
export async function timeInput(page: Page, expectation: Expectation, act: () => Promise<void>, timeoutMs = 60_000): Promise<Timing> {
  await arm(page, expectation);
  await act();
  const result = (await withTimeout(page.evaluate('window.__benchProbe.result()'), timeoutMs, describe(expectation))) as { inputAt: number | null; domAt: number; paintedAt: number };
  if (result.inputAt === null) throw new Error(`no input event reached the page before it showed ${describe(expectation)}`);
  return { domMs: result.domAt - result.inputAt, paintedMs: result.paintedAt - result.inputAt };
}

/** Starts waiting in `page` for `expectation` (and forgets the page's last input); `paintedAt` gives when it was painted. */
export async function arm(page: Page, expectation: Expectation): Promise<void> {
  await page.evaluate(`window.__benchProbe.expect(${JSON.stringify(expectation)})`);
}

/** When (absolute ms) the frame showing what `arm` waits for was painted. */
export async function paintedAt(page: Page, timeoutMs = 60_000): Promise<number> {
  const result = (await withTimeout(page.evaluate('window.__benchProbe.result()'), timeoutMs, 'the armed expectation')) as { paintedAt: number };
  return result.paintedAt;
}

/** When (absolute ms) the last real input event since `arm` reached `page`. */
export async function inputAt(page: Page): Promise<number> {
  const at = (await page.evaluate('window.__benchProbe.lastInput()')) as number | null;
  if (at === null) throw new Error('no input event reached the page');
  return at;
}

/** Call before `page.goto`: the page's load is timed from its navigation start until the frame showing `expectation`. */
export async function watchLoad(page: Page, expectation: Expectation): Promise<void> {
  await page.addInitScript({ content: `window.__benchProbe.watchLoad(${JSON.stringify(expectation)})` });
}

/** Milliseconds from the page's navigation start until the frame showing `watchLoad`'s expectation was painted. */
export async function loadedMs(page: Page, timeoutMs = 60_000): Promise<number> {
  return (await withTimeout(page.evaluate('window.__benchProbe.loaded()'), timeoutMs, 'the page to load')) as number;
}

/**
 * Starts a typing log in `page`: `text` is about to be typed into the editor's first block,
 * which holds `before` + `after` now, the caret between them. Each prefix of `text` is noted
 * once that block reads `before` + it + `after`; from now on the page's keydowns are noted too.
 */
export async function watchTyping(page: Page, text: string, before: string, after: string): Promise<void> {
  await page.evaluate(`window.__benchProbe.watchTyping(${[text, before, after].map((value) => JSON.stringify(value)).join(', ')})`);
}

/** The typing log once the page has painted the first `count` characters typed. */
export async function typingLog(page: Page, count: number, timeoutMs = 60_000): Promise<TypingLog> {
  return (await withTimeout(page.evaluate(`window.__benchProbe.typingLog(${count})`), timeoutMs, `${count} typed characters`)) as TypingLog;
}

/** The text of the editor's first block (other people's carets left out). */
export async function firstBlockText(page: Page): Promise<string> {
  return (await page.evaluate('window.__benchProbe.firstBlock()')) as string;
}

/** The length of the editor's text (other people's carets left out). */
export async function liveLength(page: Page): Promise<number> {
  const length = (await page.evaluate('window.__benchProbe.liveLength()')) as number | null;
  if (length === null) throw new Error('the page shows no editor');
  return length;
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for the page to show ${what}`)), timeoutMs))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function describe(expectation: Expectation): string {
  switch (expectation.kind) {
    case 'diff-shown':
      return `the changes of “${expectation.title}”`;
    case 'live-text':
      return `a live text of ${expectation.text.length} characters (exactly)`;
    case 'live-length':
      return `a live text of ${expectation.length} characters`;
    case 'versions-listed-over':
      return `more than ${expectation.count} versions`;
    case 'thread':
      return `a thread card holding “${expectation.body}”`;
    case 'first-block':
      return `a first block starting “${expectation.prefix.slice(0, 40)}”`;
  }
}
