/**
 * lib/client/connection-state.ts against the real server process: a stock WebsocketProvider in
 * Node, watched by the store the browser pages read. Phases, failed attempts, a final close
 * and the socket edges (opening, close, stopped, synced) as the provider reports them.
 */
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionStateStore, shouldReconnect, type ConnectionState } from '../lib/client/connection-state';
import { CloseCode } from '../lib/protocol/close-codes';
import { uniqueRoom } from './support/clients';
import { startServer, type ServerProcess } from './support/server-process';
import { eventually } from './support/wait';

interface Watched {
  provider: WebsocketProvider;
  connection: ConnectionStateStore;
  /** Every state the store published, in order. */
  states: ConnectionState[];
  /** Every edge, in order. */
  edges: string[];
}

const opened: Watched[] = [];
let server: ServerProcess | null = null;

afterEach(async () => {
  for (const { provider, connection } of opened.splice(0)) {
    provider.destroy();
    connection.destroy();
  }
  await server?.stop();
  server = null;
});

/** A provider wired like the pages' (not connected yet, the table's reconnect rule). */
function watch(syncUrl: string, room: string): Watched {
  const provider = new WebsocketProvider(syncUrl, room, new Y.Doc(), {
    connect: false,
    shouldReconnect,
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    maxBackoffTime: 200,
  });
  const connection = new ConnectionStateStore(provider);
  const watched: Watched = { provider, connection, states: [], edges: [] };
  connection.subscribe(() => watched.states.push(connection.getState()));
  connection.on('opening', () => watched.edges.push('opening'));
  connection.on('close', ({ code }) => watched.edges.push(`close ${code}`));
  connection.on('stopped', (code) => watched.edges.push(`stopped ${code}`));
  connection.on('synced', () => watched.edges.push('synced'));
  opened.push(watched);
  return watched;
}

describe('connection state (lib/client/connection-state.ts) against the real server', () => {
  it('is idle until asked to connect, then connecting, syncing and connected', async () => {
    server = await startServer();
    const { provider, connection, states, edges } = watch(server.syncUrl, uniqueRoom('phases'));
    expect(connection.getState()).toEqual({ phase: 'idle', failedAttempts: 0, terminalClose: null, synced: false });

    provider.connect();
    expect(connection.getState().phase).toBe('connecting');
    await eventually(() => connection.getState().phase === 'connected', 'the provider to sync');

    expect(connection.getState()).toEqual({ phase: 'connected', failedAttempts: 0, terminalClose: null, synced: true });
    expect(states.map((state) => state.phase)).toEqual(['connecting', 'syncing', 'connected']);
    expect(edges).toEqual(['opening', 'synced']);
  });

  it('goes offline and counts failed attempts while the server is down, and resets them once it syncs again', async () => {
    server = await startServer();
    const { provider, connection, edges } = watch(server.syncUrl, uniqueRoom('offline'));
    provider.connect();
    await eventually(() => connection.getState().synced, 'the first sync');
    const port = server.port;

    await server.stop();
    await eventually(() => connection.getState().failedAttempts >= 3, 'three failed attempts');
    expect(connection.getState().synced).toBe(false);
    expect(['offline', 'connecting']).toContain(connection.getState().phase);
    // A lost server is no final close: nothing stops, the provider keeps retrying.
    expect(connection.getState().terminalClose).toBeNull();
    expect(edges.filter((edge) => edge.startsWith('stopped'))).toEqual([]);

    server = await startServer({ port });
    await eventually(() => connection.getState().phase === 'connected', 'the provider to sync again');
    expect(connection.getState()).toEqual({ phase: 'connected', failedAttempts: 0, terminalClose: null, synced: true });
    expect(edges.filter((edge) => edge === 'synced')).toHaveLength(2);
  });

  it('after a final close reports it (ended, its code, stopped) until the page connects again', async () => {
    server = await startServer();
    const { provider, connection, edges } = watch(server.syncUrl, uniqueRoom('final'));
    provider.connect();
    await eventually(() => connection.getState().synced, 'the first sync');

    // Not a y-websocket message: the server closes with 4400, after which no client retries.
    provider.ws!.send(new Uint8Array([0xff, 0xff, 0xff]));
    await eventually(() => connection.getState().phase === 'ended', 'the final close');

    expect(connection.getState()).toEqual({
      phase: 'ended',
      failedAttempts: 1,
      terminalClose: CloseCode.MALFORMED_MESSAGE,
      synced: false,
    });
    expect(edges).toEqual(['opening', 'synced', `close ${CloseCode.MALFORMED_MESSAGE}`, `stopped ${CloseCode.MALFORMED_MESSAGE}`]);

    provider.connect();
    expect(connection.getState().terminalClose).toBeNull();
    expect(connection.getState().phase).toBe('connecting');
    await eventually(() => connection.getState().phase === 'connected', 'the deliberate reconnect to sync');
  });

  it('sees a listener that reconnects at once on a final close as connecting, not ended', async () => {
    server = await startServer();
    const { provider, connection, states } = watch(server.syncUrl, uniqueRoom('renew'));
    // Like the token keeper after 4401: reconnect synchronously inside the 'stopped' edge.
    connection.on('stopped', () => provider.connect());
    provider.connect();
    await eventually(() => connection.getState().synced, 'the first sync');
    const before = states.length;

    provider.ws!.send(new Uint8Array([0xff, 0xff, 0xff]));
    await eventually(() => states.length > before && connection.getState().phase === 'connected', 'the reconnect to sync');
    expect(connection.getState().terminalClose).toBeNull();
    // Nobody reading the state is ever told the connection ended.
    expect(states.slice(before).filter((state) => state.phase === 'ended' || state.terminalClose !== null)).toEqual([]);
  });
});
