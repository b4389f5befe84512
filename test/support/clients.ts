/** Stock y-websocket clients in Node (with `ws` as their WebSocket). */
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { eventually } from './wait';

// Each stock WebsocketProvider adds a process 'exit' listener until it is destroyed, and some
// tests hold dozens of clients at once: not a leak, so no MaxListenersExceededWarning for it.
const MAX_CLIENTS_AT_ONCE = 200;
if (process.getMaxListeners() < MAX_CLIENTS_AT_ONCE) process.setMaxListeners(MAX_CLIENTS_AT_ONCE);

export interface Client {
  doc: Y.Doc;
  provider: WebsocketProvider;
  text: Y.Text;
  /** Closes the provider and the doc. Idempotent. */
  destroy(): void;
}

export interface ClientOptions {
  /** URL query parameters, e.g. `{ token }` in token mode. */
  params?: Record<string, string>;
  /** How long the first sync may take (default: eventually's); a room that needs repair on load can take longer on a busy machine. */
  syncTimeoutMs?: number;
}

/** Opens a stock WebsocketProvider on `room`; resolves once it has synced with the server. */
export async function connectClient(syncUrl: string, room: string, options: ClientOptions = {}): Promise<Client> {
  const client = openClient(syncUrl, room, options);
  await eventually(() => client.provider.synced, `client in ${room} to sync`, options.syncTimeoutMs);
  return client;
}

/**
 * Opens a stock WebsocketProvider on `room` without waiting for anything, for clients that
 * may never sync (a refused room) or that should edit before they do.
 */
export function openClient(syncUrl: string, room: string, options: ClientOptions = {}): Client {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(syncUrl, room, doc, {
    params: options.params ?? {},
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
  let destroyed = false;
  return {
    doc,
    provider,
    text: doc.getText('title'),
    destroy() {
      if (destroyed) return;
      destroyed = true;
      provider.destroy();
      doc.destroy();
    },
  };
}

/** The names in a client's view of the room's presence. */
export function namesSeenBy(client: Client): Set<string> {
  const names = new Set<string>();
  for (const state of client.provider.awareness.getStates().values()) {
    const name = (state as { user?: { name?: string } }).user?.name;
    if (name) names.add(name);
  }
  return names;
}

/** True when `superset` already contains every insert and delete `subset` has. */
export function containsAll(superset: Y.Doc, subset: Y.Doc): boolean {
  const probe = new Y.Doc();
  Y.applyUpdate(probe, Y.encodeStateAsUpdate(superset));
  const before = Y.encodeStateAsUpdate(probe);
  Y.applyUpdate(probe, Y.encodeStateAsUpdate(subset));
  const after = Y.encodeStateAsUpdate(probe);
  probe.destroy();
  return Buffer.compare(Buffer.from(before), Buffer.from(after)) === 0;
}

/** A fresh valid room id per test, so tests never share documents. */
export function uniqueRoom(label: string): string {
  return `${label}-${Math.random().toString(36).slice(2, 10)}`;
}
