/** The scale-out wire format: round trips byte-exact, and refuses what it cannot read. */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { decodeScaleMessage, decodeStateOffer, encodeScaleMessage, encodeStateOffer, ScaleMessageType } from './messages';

describe('scale messages', () => {
  it('round-trip every type with a binary payload, sender and target', () => {
    const payload = Uint8Array.from([0, 255, 1, 128, 0, 10]);
    for (const type of Object.values(ScaleMessageType)) {
      const message = { type, sender: 'sync-1', target: type === ScaleMessageType.HEAL ? 'sync-2' : '', payload };
      const decoded = decodeScaleMessage(encodeScaleMessage(message));
      expect({ ...decoded, payload: Array.from(decoded.payload) }).toEqual({ ...message, payload: Array.from(payload) });
    }
  });

  it('round-trip a state offer', () => {
    const doc = new Y.Doc();
    doc.getText('title').insert(0, 'offer');
    const offer = { stateVector: Y.encodeStateVector(doc), deleteSetDigest: Uint8Array.from([1, 2, 3]) };
    const decoded = decodeStateOffer(encodeStateOffer(offer));
    expect(Array.from(decoded.stateVector)).toEqual(Array.from(offer.stateVector));
    expect(Array.from(decoded.deleteSetDigest)).toEqual([1, 2, 3]);
  });

  it('refuses an unknown type and a truncated message', () => {
    const frame = encodeScaleMessage({ type: ScaleMessageType.UPDATE, sender: 'a', target: '', payload: Uint8Array.of(1, 2, 3) });
    expect(() => decodeScaleMessage(Uint8Array.of(99, 0, 0, 0))).toThrow(/unknown scale message type/);
    expect(() => decodeScaleMessage(frame.subarray(0, frame.length - 2))).toThrow();
  });
});
