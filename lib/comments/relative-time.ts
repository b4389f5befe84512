/**
 * How a comment's time reads: "just now", "5 min ago", "3 h ago", "2 days ago", then the date;
 * the full date and time goes in the element's `title`.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Beyond a week "n days ago" is harder to place than the date. */
const DAYS_SHOWN_AS_AGO = 7;

/**
 * One formatter each, made on first use: `toLocaleString` builds a new one per call, which with
 * hundreds of thread cards re-rendered per keystroke was a large share of typing's time.
 */
let dateFormat: Intl.DateTimeFormat | null = null;
let fullFormat: Intl.DateTimeFormat | null = null;

/** `time` relative to `now` (both epoch ms); a time ahead of `now` (clock skew) is "just now". */
export function relativeTime(time: number, now: number): string {
  const elapsed = now - time;
  if (elapsed < MINUTE) return 'just now';
  if (elapsed < HOUR) return `${Math.floor(elapsed / MINUTE)} min ago`;
  if (elapsed < DAY) return `${Math.floor(elapsed / HOUR)} h ago`;
  const days = Math.floor(elapsed / DAY);
  if (days < DAYS_SHOWN_AS_AGO) return days === 1 ? 'yesterday' : `${days} days ago`;
  dateFormat ??= new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
  return dateFormat.format(time);
}

/** The full date and time, for `title`. */
export function fullTime(time: number): string {
  fullFormat ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });
  return fullFormat.format(time);
}
