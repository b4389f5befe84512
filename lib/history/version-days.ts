/**
 * How the history panel names and groups versions: by calendar day in the reader's time zone
 * ("Today", "Yesterday", then dates), each with its time and a title from its name or kind.
 * Pure: time zone, locale and "now" are parameters, so the tests pin them.
 */
import type { Version, VersionKind } from '../protocol/history-api';

export interface DayOptions {
  /** What "today" is (default: the current time). */
  now?: Date;
  /** IANA time zone (default: the browser's). */
  timeZone?: string;
  /** BCP 47 locale for dates and times (default: the browser's). */
  locale?: string;
}

/** The versions of one calendar day, in the order given (the API lists newest first). */
export interface VersionDay {
  /** `YYYY-MM-DD` in the time zone, or `unknown` for versions without a readable time. */
  day: string;
  label: string;
  versions: Version[];
}

const KIND_LABELS: Record<VersionKind, string> = {
  auto: 'Automatic',
  named: 'Named',
  'pre-restore': 'Before a restore',
  restore: 'Restore',
};

/** The kind as the panel shows it next to a version. */
export function versionKindLabel(kind: VersionKind): string {
  return KIND_LABELS[kind];
}

/** A version's title: its name, or what kind of version it is. */
export function versionTitle(version: Version): string {
  if (version.name) return version.name;
  if (version.kind === 'restore') return 'Restored an earlier version';
  if (version.kind === 'pre-restore') return 'Before a restore';
  return 'Edits';
}

/** A version's time of day, e.g. "14:05" (or "2:05 PM", by locale); "" when unreadable. */
export function versionTime(version: Version, { timeZone, locale }: DayOptions = {}): string {
  const at = new Date(version.createdAt);
  if (Number.isNaN(at.getTime())) return '';
  return dateFormat(locale, { hour: '2-digit', minute: '2-digit', timeZone }).format(at);
}

/** Groups versions by the calendar day they were made on, keeping their order within and across days. */
export function groupVersionsByDay(versions: readonly Version[], options: DayOptions = {}): VersionDay[] {
  const { now = new Date(), timeZone, locale } = options;
  const today = dayKey(now, timeZone);
  const yesterday = previousDay(today);
  // Keyed by day, so a day seen again further down (out-of-order times) still gets one group.
  const days = new Map<string, VersionDay>();
  for (const version of versions) {
    const at = new Date(version.createdAt);
    const day = Number.isNaN(at.getTime()) ? 'unknown' : dayKey(at, timeZone);
    let group = days.get(day);
    if (!group) {
      group = { day, label: dayLabel(day, at, { today, yesterday, timeZone, locale }), versions: [] };
      days.set(day, group);
    }
    group.versions.push(version);
  }
  return [...days.values()];
}

function dayLabel(
  day: string,
  at: Date,
  { today, yesterday, timeZone, locale }: { today: string; yesterday: string; timeZone?: string; locale?: string },
): string {
  if (day === 'unknown') return 'Unknown date';
  if (day === today) return 'Today';
  if (day === yesterday) return 'Yesterday';
  return dateFormat(locale, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone }).format(at);
}

/** `YYYY-MM-DD` of `at` in the time zone. */
function dayKey(at: Date, timeZone: string | undefined): string {
  const parts = dateFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone }).formatToParts(at);
  const part = (type: string) => parts.find((entry) => entry.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/**
 * Formatters, made once per locale and options: making one costs far more than formatting
 * with it (a list of 1,000 versions made 1,000 at each render, ~0.2 ms each).
 */
const formats = new Map<string, Intl.DateTimeFormat>();

function dateFormat(locale: string | undefined, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = JSON.stringify([locale ?? null, options]);
  let format = formats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, options);
    formats.set(key, format);
  }
  return format;
}

/** The calendar day before `YYYY-MM-DD` (calendar arithmetic, so a DST change cannot skip a day). */
function previousDay(day: string): string {
  const [year, month, date] = day.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, date - 1)).toISOString().slice(0, 10);
}
