/**
 * Timing inside the page, so no round trip to the test process is measured: a script (added
 * before the app's own) notes when the last real input event (a click or key press that
 * Playwright sent as the user would) reached the page, and waits with a MutationObserver for an
 * expected state of the DOM, then for the frame that shows it to be painted. Times are the
 * page's `performance.now()` clock, which input events' `timeStamp` also uses.
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
  | { kind: 'versions-listed-over'; count: number };

export interface Timing {
  /** From the input event to the DOM state expected (ms). */
  domMs: number;
  /** From the input event until the frame showing it was painted (ms). */
  paintedMs: number;
}

const PROBE = `(() => {
  let lastInput = null;
  for (const type of ['click', 'keydown']) {
    window.addEventListener(type, (event) => { if (event.isTrusted) lastInput = event.timeStamp; }, { capture: true });
  }
  const holds = (expectation) => {
    if (expectation.kind === 'diff-shown') {
      // "<title>, <time>. <n> changes since the version before.": the count comes once it is rendered.
      const summary = document.querySelector('dialog[open] .history-summary')?.textContent ?? '';
      return summary.startsWith(expectation.title + ', ') && /\\. \\d+ changes? since the version before\\.$/.test(summary);
    }
    if (expectation.kind === 'versions-listed-over') return document.querySelectorAll('dialog[open] [role="option"]').length > expectation.count;
    const live = document.querySelector('[role="textbox"][aria-label="Document"]');
    if (live === null) return false;
    return expectation.kind === 'live-text' ? live.textContent === expectation.text : live.textContent.length === expectation.length;
  };
  const until = (expectation) => new Promise((resolve) => {
    if (holds(expectation)) return resolve();
    const observer = new MutationObserver(() => {
      if (!holds(expectation)) return;
      observer.disconnect();
      resolve();
    });
    observer.observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  let pending = null;
  window.__benchProbe = {
    expect(expectation) {
      lastInput = null;
      pending = until(expectation).then(() => new Promise((resolve) => {
        const domAt = performance.now();
        // A rAF callback runs before its frame is painted; a task queued there runs after.
        requestAnimationFrame(() => setTimeout(() => resolve({ inputAt: lastInput, domAt, paintedAt: performance.now() })));
      }));
    },
    until,
    result() {
      return pending;
    },
  };
})();`;

/** Adds the probe to every page `page`'s context opens from now on. */
export async function addProbe(page: Page): Promise<void> {
  await page.addInitScript({ content: PROBE });
}

/** Waits until the page shows `expectation`. */
export async function waitUntil(page: Page, expectation: Expectation, timeoutMs = 60_000): Promise<void> {
  await withTimeout(page.evaluate(`window.__benchProbe.until(${JSON.stringify(expectation)})`), timeoutMs, expectation);
}

/**
 * Times `act` (which must send one real input event, e.g. a click or key press) until the
 * page shows `expectation`. Rejects after `timeoutMs`.
 */
export async function timeInput(page: Page, expectation: Expectation, act: () => Promise<void>, timeoutMs = 60_000): Promise<Timing> {
  await page.evaluate(`window.__benchProbe.expect(${JSON.stringify(expectation)})`);
  await act();
  const result = (await withTimeout(page.evaluate('window.__benchProbe.result()'), timeoutMs, expectation)) as { inputAt: number | null; domAt: number; paintedAt: number };
  if (result.inputAt === null) throw new Error(`no input event reached the page before it showed ${describe(expectation)}`);
  return { domMs: result.domAt - result.inputAt, paintedMs: result.paintedAt - result.inputAt };
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, expectation: Expectation): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for the page to show ${describe(expectation)}`)), timeoutMs))),
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
  }
}
