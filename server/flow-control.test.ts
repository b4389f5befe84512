/** A connection's budgets and a viewer's writes, judged without sockets. */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DEFAULT_CONFIG } from './config';
import { ConnectionBudget, VIEWER_WRITE_ALLOWANCE, ViewerWrites } from './flow-control';
import { encodeSyncStep1, encodeSyncStep2, encodeSyncUpdate, type ClientMessage } from './protocol';
import { TokenBucket } from './rate-limiter';

const step1: ClientMessage = { kind: 'sync-step1', stateVector: new Uint8Array([0]) };
const never = () => false;

describe('TokenBucket.take(count)', () => {
  it('takes several tokens at once, or none when fewer are left', () => {
    const bucket = new TokenBucket(1e-9, 10);
    expect(bucket.take(7)).toBe(true);
    expect(bucket.take(4)).toBe(false);
    expect(bucket.take(3)).toBe(true);
    expect(bucket.take()).toBe(false);
  });
});

describe('ConnectionBudget', () => {
  const limits = { ...DEFAULT_CONFIG, byteRatePerSecond: 1e-9, byteBurst: 1000, syncStep1RatePerMinute: 1e-9, syncStep1Burst: 2 };

  it('charges frame bytes against the byte burst', () => {
    const budget = new ConnectionBudget(limits);
    expect(budget.chargeBytes(600)).toBe(true);
    expect(budget.chargeBytes(600)).toBe(false);
    expect(budget.chargeBytes(400)).toBe(true);
  });

  it('gives sync step 1s their own budget, apart from updates', () => {
    const budget = new ConnectionBudget(limits);
    const update: ClientMessage = { kind: 'sync-update', update: new Uint8Array([0, 0]), empty: true, decoded: Y.decodeUpdate(new Uint8Array([0, 0])) };
    expect(budget.overRate(step1, never)).toBeNull();
    expect(budget.overRate(step1, never)).toBeNull();
    expect(budget.overRate(step1, never)).toBe('sync_step1_rate');
    expect(budget.overRate(update, never)).toBeNull();
  });

  it('charges nothing for presence echoes', () => {
    const budget = new ConnectionBudget({ ...limits, awarenessRatePerSecond: 1e-9, awarenessBurst: 1 });
    const presence: ClientMessage = { kind: 'awareness', update: new Uint8Array([0]), entries: [] };
    expect(budget.overRate(presence, () => true)).toBeNull();
    expect(budget.overRate(presence, () => true)).toBeNull();
    expect(budget.overRate(presence, never)).toBeNull();
    expect(budget.overRate(presence, never)).toBe('rate_limited');
  });
});

describe('ViewerWrites', () => {
  const emptyStep2 = encodeSyncStep2(new Uint8Array([0, 0]));
  const doc = new Y.Doc();
  doc.getText('title').insert(0, 'scribble');
  const realUpdate = encodeSyncUpdate(Y.encodeStateAsUpdate(doc));

  it('lets a stock viewer’s empty answer to the server’s step 1 pass silently, denies the rest, and closes past the allowance', () => {
    const viewer = new ViewerWrites();
    expect(viewer.judge(encodeSyncStep1(new Uint8Array([0])))).toBe('decode');
    expect(viewer.judge(emptyStep2)).toBe('drop');
    for (let i = 0; i < VIEWER_WRITE_ALLOWANCE; i++) expect(viewer.judge(realUpdate)).toBe('deny');
    expect(viewer.judge(realUpdate)).toBe('close');
  });

  it('denies a first step 2 that carries content, without counting it', () => {
    const viewer = new ViewerWrites();
    expect(viewer.judge(encodeSyncStep2(Y.encodeStateAsUpdate(doc)))).toBe('deny');
    // A second step 2 is a write like any update.
    expect(viewer.judge(emptyStep2)).toBe('deny');
  });
});
