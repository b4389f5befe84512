/**
 * Activity in presence: each person publishes `lastActive` (epoch ms of their last edit or
 * selection change) in their awareness state, at most every ACTIVITY_PUBLISH_INTERVAL_MS, and
 * everyone shows them as idle once it is IDLE_AFTER_MS old. Pure functions.
 */

/** The awareness field carrying the last activity time. */
export const LAST_ACTIVE_FIELD = 'lastActive';
/** After this long without an edit or a caret move, a person is shown as idle. */
export const IDLE_AFTER_MS = 3 * 60_000;
/** Publish activity at most this often: every keystroke would flood the awareness channel. */
export const ACTIVITY_PUBLISH_INTERVAL_MS = 15_000;

/** The `lastActive` of an awareness state; null when missing or not a finite number. */
export function readLastActive(state: unknown): number | null {
  const value = (state as Record<string, unknown> | null)?.[LAST_ACTIVE_FIELD];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** Idle: active once, but not within IDLE_AFTER_MS. Unknown activity is never idle. */
export function isIdle(lastActive: number | null, now: number): boolean {
  return lastActive !== null && now - lastActive >= IDLE_AFTER_MS;
}

/** Whether a new activity at `now` is worth publishing, given the last one published. */
export function shouldPublishActivity(lastPublished: number | null, now: number): boolean {
  return lastPublished === null || now - lastPublished >= ACTIVITY_PUBLISH_INTERVAL_MS;
}
