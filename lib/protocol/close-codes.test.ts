/** The close-code table: what the server sends and what the browser says and does about it. */
import { describe, expect, it } from 'vitest';
import { CLOSE_CODE_INFO, CloseCode, closeCodeInfo } from './close-codes';

const entries = Object.values(CloseCode).map((code) => [code, CLOSE_CODE_INFO[code]] as const);

describe('CLOSE_CODE_INFO', () => {
  it('describes every code, with a close reason that fits in a close frame', () => {
    for (const [code, info] of entries) {
      expect(info, String(code)).toBeDefined();
      expect(new TextEncoder().encode(info.reason).length, String(code)).toBeLessThan(123);
    }
  });

  it('marks exactly 4400–4499 as not retryable, as stock y-websocket clients treat them', () => {
    for (const [code, info] of entries) expect(info.retryable, String(code)).toBe(!(code >= 4400 && code < 4500));
  });

  it('holds "Not saved" until a change is stored only for codes that set it', () => {
    for (const [code, info] of entries) {
      if (info.notSavedUntilStored) expect(info.notSavedBecause, String(code)).toBeDefined();
    }
    expect(CLOSE_CODE_INFO[CloseCode.STORAGE_UNAVAILABLE].notSavedUntilStored).toBe(true);
    expect(CLOSE_CODE_INFO[CloseCode.STORAGE_FULL].notSavedUntilStored).toBe(true);
  });

  it('looks up codes from the network, and knows none it does not hold', () => {
    expect(closeCodeInfo(CloseCode.VIEW_LINK_REVOKED)?.reason).toBe('view link revoked');
    expect(closeCodeInfo(1006)).toBeUndefined();
    expect(closeCodeInfo(4999)).toBeUndefined();
  });
});
