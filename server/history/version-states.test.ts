import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import type { HistoryPieces, HistorySegment } from '../storage';
import { VersionStates } from './version-states';

function segment(seq: number, data: Uint8Array): HistorySegment {
  return { seq, firstId: seq, lastId: seq, startedAt: 0, endedAt: 0, data, attribution: null, authors: [], inserted: 0, deleted: 0 };
}

/** Pieces of a document typed in two steps, counting how often they are loaded. */
function typedPieces(words: string[]): { pieces: HistoryPieces; loads: () => number; load: () => Promise<HistoryPieces> } {
  const doc = new Y.Doc();
  const segments = words.map((word, index) => {
    const before = Y.encodeStateVector(doc);
    doc.getText('title').insert(doc.getText('title').length, word);
    return segment(index + 1, Y.encodeStateAsUpdate(doc, before));
  });
  const pieces = { checkpoint: null, segments };
  let loaded = 0;
  return {
    pieces,
    loads: () => loaded,
    load: async () => {
      loaded += 1;
      return pieces;
    },
  };
}

const textOf = (state: Uint8Array) => {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return doc.getText('title').toString();
};

describe('VersionStates', () => {
  test('builds a version once, however many ask at the same time, and then answers from the cache', async () => {
    const states = new VersionStates({ maxNestingDepth: 64 });
    const { load, loads } = typedPieces(['one', ' two']);
    const [a, b] = await Promise.all([states.stateOf('room', 'v', load), states.stateOf('room', 'v', load)]);
    expect(textOf(a)).toBe('one two');
    expect(b).toBe(a);
    await states.stateOf('room', 'v', load);
    expect(loads()).toBe(1);
  });

  test('keeps rooms apart and forgets the least recently used version past its byte budget', async () => {
    const rooms = ['a', 'b', 'c', 'd', 'e'].map((letter) => typedPieces([letter.repeat(200)]));
    const size = (await new VersionStates({ maxNestingDepth: 64 }).stateOf('probe', 'v', rooms[0].load)).byteLength;
    // Room for four versions of this size (none over a quarter of the budget).
    const states = new VersionStates({ maxNestingDepth: 64, cacheBytes: Math.floor(size * 4.5) });
    for (const [index, room] of rooms.slice(0, 4).entries()) await states.stateOf(`room-${index}`, 'v', room.load);
    expect(textOf(await states.stateOf('room-1', 'v', rooms[1].load))).toBe('b'.repeat(200));
    await states.stateOf('room-4', 'v', rooms[4].load);
    // room-0's version was the least recently used: built again when asked; room-1's was kept.
    await states.stateOf('room-1', 'v', rooms[1].load);
    await states.stateOf('room-0', 'v', rooms[0].load);
    expect(rooms[1].loads()).toBe(1);
    expect(rooms[0].loads()).toBe(3); // the probe, the first build, and the rebuild
  });

  test('refuses pieces out of order, and a failed build is not kept', async () => {
    const states = new VersionStates({ maxNestingDepth: 64 });
    const { pieces } = typedPieces(['x', 'y']);
    let calls = 0;
    const broken = async () => {
      calls += 1;
      return calls === 1 ? { checkpoint: null, segments: [pieces.segments[1]] } : pieces;
    };
    await expect(states.stateOf('room', 'v', broken)).rejects.toThrow(/out of order/);
    expect(textOf(await states.stateOf('room', 'v', broken))).toBe('xy');
  });
});
