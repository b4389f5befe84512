/**
 * Small limits from the security review (L6), each against a real server process:
 * - open mode refuses guessable room ids (`/d/notes`) for new rooms, while a room stored
 *   under a short id before the limit still opens;
 * - `/metrics` can be put behind a bearer token;
 * - a raw client cannot give a document a title of any length;
 * - the standalone server, which serves an app on another origin, accepts any origin while
 *   ALLOWED_ORIGINS is unset (`npm start` accepts only its own: e2e/own-origin.spec.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { viewLinkPath } from '../lib/protocol/api-routes';
import { createRoomId } from '../lib/protocol/room-id';
import { CloseCode } from '../lib/protocol/close-codes';
import { connectClient, uniqueRoom, type Client } from './support/clients';
import { updateFrame, updateFrom } from './support/frames';
import { scrapeMetrics } from './support/metrics';
import { openRawPeer } from './support/raw-peer';
import { openRawSocket } from './support/raw-socket';
import { startServer, storedDoc, tempDatabaseUrl, type ServerProcess } from './support/server-process';
import { eventually } from './support/wait';

describe('MIN_NEW_ROOM_ID_LENGTH', () => {
  const databaseUrl = tempDatabaseUrl();
  const open: Client[] = [];
  let server: ServerProcess;
  afterAll(async () => {
    for (const client of open) client.destroy();
    await server?.stop();
  });

  it('refuses a short id for a new room (400, invalid_room) and still opens a short room stored before', async () => {
    // A room made while short ids were allowed.
    const legacy = await startServer({ databaseUrl });
    const notes = await connectClient(legacy.syncUrl, 'notes');
    notes.text.insert(0, 'kept');
    await eventually(() => storedDoc(databaseUrl, 'notes').getText('title').toString() === 'kept', 'the edit to be stored');
    notes.destroy();
    expect(await legacy.stop()).toBe(0);

    // The production default (16) from here on.
    server = await startServer({ databaseUrl, env: { MIN_NEW_ROOM_ID_LENGTH: '16' } });
    const before = (await scrapeMetrics(server.httpUrl)).value('tandem_rejected_total', { reason: 'invalid_room' });
    for (const room of ['test', 'todo-list-2026']) {
      await expect(openRawSocket(`${server.syncUrl}/${room}`)).rejects.toMatchObject({ status: 400 });
    }
    expect((await scrapeMetrics(server.httpUrl)).value('tandem_rejected_total', { reason: 'invalid_room' })).toBe(before + 2);

    const reopened = await connectClient(server.syncUrl, 'notes');
    open.push(reopened);
    await eventually(() => reopened.text.toString() === 'kept', 'the stored short room to open with its text');
    const fresh = await connectClient(server.syncUrl, createRoomId());
    open.push(fresh);
  });
});

describe('METRICS_TOKEN', () => {
  const TOKEN = 'metrics-secret-0123456789';
  let server: ServerProcess;
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it('answers /metrics only with Authorization: Bearer <token>; health stays open', async () => {
    server = await startServer({ env: { METRICS_TOKEN: TOKEN } });
    const metrics = (authorization?: string) =>
      fetch(`${server.httpUrl}/metrics`, { headers: authorization ? { authorization } : {} });
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789', TOKEN, `Basic ${TOKEN}`]) {
      const refused = await metrics(authorization);
      expect(refused.status, String(authorization)).toBe(401);
      expect(await refused.text()).not.toContain('tandem_');
    }
    const allowed = await metrics(`Bearer ${TOKEN}`);
    expect(allowed.status).toBe(200);
    const text = await allowed.text();
    expect(text).toContain('# TYPE tandem_connections_open gauge');
    expect(text).toMatch(/tandem_rejected_total\{reason="unauthorized"\} 4/);
    expect((await fetch(`${server.httpUrl}/healthz`)).status).toBe(200);
  });
});

describe('MAX_TITLE_LENGTH', () => {
  const databaseUrl = tempDatabaseUrl();
  let server: ServerProcess;
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it('closes a raw client that sends a title past the cap with 4400 and stores nothing of it', async () => {
    server = await startServer({ databaseUrl, env: { MAX_TITLE_LENGTH: '200' } });
    const room = uniqueRoom('title');
    const rejected = () => scrapeMetrics(server.httpUrl).then((metrics) => metrics.value('tandem_rejected_total', { reason: 'title_too_long' }));
    const before = await rejected();

    const writer = await openRawPeer(`${server.syncUrl}/${room}`);
    writer.send(updateFrame(updateFrom((title) => title.insert(0, 'T'.repeat(200)))));
    const mallory = await openRawPeer(`${server.syncUrl}/${room}`);
    mallory.send(updateFrame(updateFrom((title) => title.insert(0, 'M'.repeat(100_000)))));
    expect(await mallory.closed()).toBe(CloseCode.MALFORMED_MESSAGE);
    expect(await rejected()).toBe(before + 1);
    await eventually(() => storedDoc(databaseUrl, room).getText('title').length === 200, 'the 200-character title to be stored');
    expect(storedDoc(databaseUrl, room).getText('title').toString()).toBe('T'.repeat(200));
    expect(writer.closeCode).toBeNull();
    writer.destroy();
  });
});

describe('ALLOWED_ORIGINS unset on the standalone server', () => {
  let server: ServerProcess;
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it('accepts sockets and API calls from any origin', async () => {
    server = await startServer();
    const room = createRoomId();
    const socket = await openRawSocket(`${server.syncUrl}/${room}`, { origin: 'https://app.example' });
    socket.close();
    const rotated = await fetch(`${server.httpUrl}${viewLinkPath(room)}`, { method: 'POST', headers: { origin: 'https://app.example' } });
    expect(rotated.status).toBe(200);
    expect(rotated.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
