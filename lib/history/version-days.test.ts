import { describe, expect, it } from 'vitest';
import type { Version } from '../protocol/history-api';
import { groupVersionsByDay, versionKindLabel, versionTime, versionTitle } from './version-days';

function version(id: string, createdAt: string, extra: Partial<Version> = {}): Version {
  return { id: id.padEnd(16, '0'), kind: 'auto', name: null, createdAt, authors: [], inserted: 1, deleted: 0, ...extra };
}

const berlin = { timeZone: 'Europe/Berlin', locale: 'en-GB', now: new Date('2026-12-01T10:00:00Z') };

describe('groupVersionsByDay', () => {
  it('puts newest-first versions under Today, Yesterday and dated days in the reader’s time zone, keeping their order', () => {
    const versions = [
      version('a', '2026-12-01T09:30:00Z'),
      version('b', '2026-12-01T07:00:00Z'),
      // 23:30 UTC on 30 November is already 1 December in Berlin.
      version('c', '2026-11-30T23:30:00Z'),
      version('d', '2026-11-30T12:00:00Z'),
      version('e', '2026-11-27T08:00:00Z'),
    ];
    const days = groupVersionsByDay(versions, berlin);
    expect(days.map((day) => [day.day, day.label, day.versions.map((v) => v.id[0])])).toEqual([
      ['2026-12-01', 'Today', ['a', 'b', 'c']],
      ['2026-11-30', 'Yesterday', ['d']],
      ['2026-11-27', 'Friday, 27 November 2026', ['e']],
    ]);
  });

  it('knows yesterday across a month and a year boundary', () => {
    const days = groupVersionsByDay([version('a', '2026-12-31T12:00:00Z')], { ...berlin, now: new Date('2027-01-01T12:00:00Z') });
    expect(days[0].label).toBe('Yesterday');
  });

  it('gives a day seen twice (times out of order) one group, and unreadable times their own', () => {
    const versions = [version('a', '2026-12-01T09:00:00Z'), version('b', '2026-11-29T09:00:00Z'), version('c', '2026-12-01T08:00:00Z'), version('d', 'not a time')];
    const days = groupVersionsByDay(versions, berlin);
    expect(days.map((day) => [day.label, day.versions.map((v) => v.id[0])])).toEqual([
      ['Today', ['a', 'c']],
      ['Sunday, 29 November 2026', ['b']],
      ['Unknown date', ['d']],
    ]);
  });
});

describe('version labels', () => {
  it('titles a version by its name, else by what it is', () => {
    expect(versionTitle(version('a', '2026-12-01T09:00:00Z', { kind: 'named', name: 'First draft' }))).toBe('First draft');
    expect(versionTitle(version('a', '2026-12-01T09:00:00Z'))).toBe('Edits');
    expect(versionTitle(version('a', '2026-12-01T09:00:00Z', { kind: 'restore', restoredFrom: 'x'.repeat(16) }))).toBe('Restored an earlier version');
    expect(versionTitle(version('a', '2026-12-01T09:00:00Z', { kind: 'pre-restore' }))).toBe('Before a restore');
    expect(versionKindLabel('pre-restore')).toBe('Before a restore');
  });

  it('shows the time of day in the reader’s zone, and nothing for an unreadable time', () => {
    expect(versionTime(version('a', '2026-12-01T09:05:00Z'), berlin)).toBe('10:05');
    expect(versionTime(version('a', 'yesterday'), berlin)).toBe('');
  });

  it('formats each time zone and locale with its own rules, however often they alternate', () => {
    const at = version('a', '2026-12-01T21:05:00Z');
    const newYork = { timeZone: 'America/New_York', locale: 'en-US' };
    for (let round = 0; round < 2; round++) {
      expect(versionTime(at, berlin)).toBe('22:05');
      expect(versionTime(at, newYork)).toBe('04:05 PM');
    }
  });
});
