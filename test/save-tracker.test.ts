/**
 * lib/client/save-tracker.ts does not depend on the order of the doc's 'update' listeners:
 * whether the provider sends a change before or after the tracker hears of it, "Saved" shows
 * only once the server acknowledged every document frame sent. Real server process, stock
 * WebsocketProvider in Node.
 */
import * as decoding from 'lib0/decoding';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { afterEach, describe, expect, it } from 'vitest';
import { SaveTracker, type UnsavedCountStore } from '../lib/client/save-tracker';
import { localUnsavedCountStore } from '../lib/client/unsaved-count-store';
import { MessageType, SAVED_ACKS_PARAM, SyncMessageType } from '../lib/protocol/sync-protocol';
import { connectClient, uniqueRoom } from './support/clients';
import { startServer, type ServerProcess } from './support/server-process';
import { eventually } from './support/wait';

type ListenerOrder = 'provider first' | 'tracker first';

interface Typist {
  doc: Y.Doc;
  text: Y.Text;
  provider: WebsocketProvider;
  tracker: SaveTracker;
  /** Document frames (sync step 2 / update) sent on the current socket. */
  sent: () => number;
  /** The last SAVED ack received on the current socket. */
  acked: () => number;
  /** Runs for every SAVED ack before the provider (and so the tracker) handles it. */
  beforeAck: ((count: number) => void) | null;
}

const typists: Typist[] = [];
let server: ServerProcess | null = null;

afterEach(async () => {
  for (const { tracker, provider, doc } of typists.splice(0)) {
    tracker.detach();
    provider.destroy();
    doc.destroy();
  }
  await server?.stop();
  server = null;
});

/** A typist whose tracker is not yet saved (the server may be down). */
function openTypist(syncUrl: string, room: string, order: ListenerOrder, countStore?: UnsavedCountStore): Typist {
  const doc = new Y.Doc();
  const tracker = new SaveTracker(countStore);
  let sent = 0;
  let acked = 0;
  const typist: Partial<Typist> & { beforeAck: Typist['beforeAck'] } = { beforeAck: null };

  class WatchedWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      sent = 0;
      acked = 0;
      // Registered before the provider's onmessage, so it runs first for every message.
      this.on('message', (data: ArrayBuffer) => {
        const decoder = decoding.createDecoder(new Uint8Array(data));
        if (decoding.readVarUint(decoder) !== MessageType.SAVED) return;
        acked = decoding.readVarUint(decoder);
        typist.beforeAck?.(acked);
      });
    }
    override send(data: Uint8Array): void {
      if (data[0] === MessageType.SYNC && (data[1] === SyncMessageType.STEP2 || data[1] === SyncMessageType.UPDATE)) sent++;
      super.send(data);
    }
  }

  const provider = new WebsocketProvider(syncUrl, room, doc, {
    params: { [SAVED_ACKS_PARAM]: '1' },
    WebSocketPolyfill: tracker.webSocketClass(WatchedWebSocket) as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
  tracker.attach(provider);
  if (order === 'tracker first') {
    // Re-register the provider's update listener, so the tracker's runs before it.
    doc.off('update', provider._updateHandler);
    doc.on('update', provider._updateHandler);
  }
  Object.assign(typist, { doc, text: doc.getText('title'), provider, tracker, sent: () => sent, acked: () => acked });
  typists.push(typist as Typist);
  return typist as Typist;
}

async function connectTypist(syncUrl: string, room: string, order: ListenerOrder): Promise<Typist> {
  const typist = openTypist(syncUrl, room, order);
  await eventually(() => typist.tracker.getState().kind === 'saved', `the ${order} typist to be saved`);
  return typist;
}

/** localStorage's three methods over a Map. */
function memoryStorage(): Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

describe('save tracking (lib/client/save-tracker.ts) in either listener order', () => {
  for (const order of ['provider first', 'tracker first'] as const) {
    it(`with the ${order}: "Saved" waits for the ack of a change sent while an earlier ack was on its way`, async () => {
      server = await startServer();
      const room = uniqueRoom('order');
      const typist = await connectTypist(server.syncUrl, room, order);
      // Every "Saved" the tracker publishes, with what was sent and acknowledged at that moment.
      const saved: { sent: number; acked: number }[] = [];
      typist.tracker.subscribe(() => {
        if (typist.tracker.getState().kind === 'saved') saved.push({ sent: typist.sent(), acked: typist.acked() });
      });

      // The second change goes out when the first one's ack has arrived but before the
      // tracker has seen that ack: the ack covers the first change only.
      typist.beforeAck = () => {
        typist.beforeAck = null;
        typist.text.insert(5, ' world');
      };
      typist.text.insert(0, 'Hello');
      expect(typist.tracker.getState().kind).toBe('saving');
      await eventually(() => typist.text.toString() === 'Hello world' && typist.tracker.getState().kind === 'saved', 'both changes to be saved');

      expect(saved.length).toBeGreaterThan(0);
      for (const moment of saved) expect(moment.acked).toBeGreaterThanOrEqual(moment.sent);
      expect(typist.tracker.hasUnsavedChanges).toBe(false);
      const reader = await connectClient(server.syncUrl, room);
      expect(reader.text.toString()).toBe('Hello world');
      reader.destroy();
    });

    it(`with the ${order}: a change made while the socket is down is saved by the next connection`, async () => {
      server = await startServer();
      const room = uniqueRoom('resync');
      const typist = await connectTypist(server.syncUrl, room, order);
      const port = server.port;
      await server.stop();
      await eventually(() => typist.tracker.getState().kind === 'offline', 'the offline state');

      typist.text.insert(0, 'offline');
      expect(typist.tracker.getState()).toEqual({ kind: 'offline', unsavedCount: 1 });
      expect(typist.tracker.hasUnsavedChanges).toBe(true);

      server = await startServer({ port });
      await eventually(() => typist.tracker.getState().kind === 'saved', 'the offline change to be saved');
      const reader = await connectClient(server.syncUrl, room);
      expect(reader.text.toString()).toBe('offline');
      reader.destroy();
    });
  }

  it('keeps the count of changes typed while the server is down for the next visit, held back while typing', async () => {
    server = await startServer();
    const room = uniqueRoom('next-visit');
    const storage = memoryStorage();
    const first = openTypist(server.syncUrl, room, 'provider first', localUnsavedCountStore(storage, room));
    await eventually(() => first.tracker.getState().kind === 'saved', 'the first visit to be saved');
    const { syncUrl } = server;
    await server.stop();
    await eventually(() => first.tracker.getState().kind === 'offline', 'the offline state');

    for (const word of ['one ', 'two ', 'three ']) first.text.insert(first.text.length, word);
    expect(first.tracker.getState()).toEqual({ kind: 'offline', unsavedCount: 3 });
    // Typing writes nothing: a count is written once it has stood for a second.
    expect(storage.getItem(`tandem:unsaved:${room}`)).toBeNull();
    // Closing the tab (the page flushes on pagehide, the tracker on detach) writes it.
    first.tracker.detach();
    expect(storage.getItem(`tandem:unsaved:${room}`)).toBe('3');

    const next = openTypist(syncUrl, room, 'provider first', localUnsavedCountStore(storage, room));
    expect(next.tracker.hasUnsavedChanges).toBe(true);
    await eventually(() => next.tracker.getState().kind === 'offline', 'the next visit to know it is offline');
    expect(next.tracker.getState()).toEqual({ kind: 'offline', unsavedCount: 3 });
  });
});
