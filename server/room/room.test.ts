/** Room loading in-process: a failed load rejects and leaves nothing running behind. */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createLogger } from '../log';
import { createMetrics } from '../metrics';
import { Room } from './room';
import { createMemoryStorage } from '../storage/memory';

const logger = createLogger('silent');
const limits = { rootNames: new Set(['default', 'title', 'text']), maxNestingDepth: 64, maxStructs: 500_000, maxTitleLength: 0, titleRootName: 'title' };
const options = { logger, metrics: createMetrics(), compactAfterUpdates: 500, maxDocumentBytes: 1 << 20, limits };
const activeTimers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

describe('Room.load', () => {
  it('loads the stored snapshot and log into the doc', async () => {
    const storage = createMemoryStorage();
    const source = new Y.Doc();
    source.getText('text').insert(0, 'stored');
    await storage.append('r', Y.encodeStateAsUpdate(source));
    const room = await Room.load({ name: 'r', storage, ...options });
    expect(room.doc.getText('text').toString()).toBe('stored');
    room.destroy();
  });

  it('rejects on an unreadable row and frees the half-built room every time', async () => {
    const storage = createMemoryStorage();
    await storage.append('r', Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    const before = activeTimers();
    for (let attempt = 0; attempt < 5; attempt++) {
      await expect(Room.load({ name: 'r', storage, ...options })).rejects.toThrow();
    }
    expect(activeTimers()).toBe(before);
  });
});
