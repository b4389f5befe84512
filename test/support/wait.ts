/** The two ways tests wait: for a condition to hold, or for time to pass. */

/** How often `eventually` re-checks its condition. */
const POLL_INTERVAL_MS = 20;

/** Resolves after `ms`. Only for waits that are themselves the point (see `eventually`). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `condition` (sync or async) until it holds; fails with `what` after `timeoutMs`. Use it
 * for anything a test waits *for*; keep `sleep` for proving that nothing happens in a window.
 * A longer `intervalMs` keeps an expensive check (a scrape of a loaded server) from adding load.
 */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
  intervalMs = POLL_INTERVAL_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}
