/** Presence activity: reading `lastActive`, the idle threshold, and the publish throttle. */
import { describe, expect, it } from 'vitest';
import {
  ACTIVITY_PUBLISH_INTERVAL_MS,
  IDLE_AFTER_MS,
  isIdle,
  readLastActive,
  shouldPublishActivity,
} from './presence-activity';

describe('presence activity', () => {
  it('reads only finite numbers', () => {
    expect(readLastActive({ lastActive: 1_000 })).toBe(1_000);
    expect(readLastActive({ lastActive: '1000' })).toBeNull();
    expect(readLastActive({ lastActive: Number.NaN })).toBeNull();
    expect(readLastActive(null)).toBeNull();
  });

  it('is idle from IDLE_AFTER_MS on, and never without a known activity', () => {
    expect(isIdle(0, IDLE_AFTER_MS - 1)).toBe(false);
    expect(isIdle(0, IDLE_AFTER_MS)).toBe(true);
    expect(isIdle(null, 10 * IDLE_AFTER_MS)).toBe(false);
  });

  it('publishes the first activity, then at most once per interval', () => {
    expect(shouldPublishActivity(null, 5)).toBe(true);
    expect(shouldPublishActivity(1_000, 1_000 + ACTIVITY_PUBLISH_INTERVAL_MS - 1)).toBe(false);
    expect(shouldPublishActivity(1_000, 1_000 + ACTIVITY_PUBLISH_INTERVAL_MS)).toBe(true);
  });
});
