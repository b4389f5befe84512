/**
 * What an operator sees: `/metrics` in Prometheus text format moving with a real session,
 * `/readyz` failing once the SQLite file is gone while `/healthz` stays up, and JSON log lines
 * that follow a connection by room and connection id without ever holding document text.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { viewLinkPath, type ViewLinkResponse } from '../lib/protocol/api-routes';
import { CloseCode } from '../lib/protocol/close-codes';
import { connectClient, uniqueRoom, type Client } from './support/clients';
import { updateFrame, updateFrom } from './support/frames';
import { metricValue, scrapeMetrics, type MetricsScrape } from './support/metrics';
import { openRawPeer } from './support/raw-peer';
import { openRawSocket } from './support/raw-socket';
import { databaseFile, startServer, tempDatabaseUrl, type ServerProcess } from './support/server-process';
import { roomLogId } from '../server/log';
import { LogMessage, type LogMessageText } from '../server/log-messages';
import { eventually, sleep } from './support/wait';

const TANDEM_METRICS: [name: string, type: string][] = [
  ['tandem_connections_open', 'gauge'],
  ['tandem_rooms_loaded', 'gauge'],
  ['tandem_updates_received_total', 'counter'],
  ['tandem_updates_sent_total', 'counter'],
  ['tandem_awareness_received_total', 'counter'],
  ['tandem_awareness_sent_total', 'counter'],
  ['tandem_received_bytes_total', 'counter'],
  ['tandem_sent_bytes_total', 'counter'],
  ['tandem_rejected_total', 'counter'],
  ['tandem_storage_write_seconds', 'histogram'],
];

describe('metrics and logs during a session', () => {
  let server: ServerProcess;
  const open: Client[] = [];

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    for (const client of open) client.destroy();
    expect(await server.stop()).toBe(0);
  });

  async function editor(room: string): Promise<Client> {
    const client = await connectClient(server.syncUrl, room);
    open.push(client);
    return client;
  }

  it('serves Prometheus text: every tandem metric with HELP and TYPE, and Node’s event-loop lag', async () => {
    const metrics = await scrapeMetrics(server.httpUrl);
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const [name, type] of TANDEM_METRICS) {
      expect(metrics.text).toContain(`# HELP ${name} `);
      expect(metrics.text).toContain(`# TYPE ${name} ${type}`);
    }
    expect(metrics.sample('tandem_connections_open')).toBe(0);
    expect(metrics.sample('tandem_rooms_loaded')).toBe(0);
    expect(metrics.sample('nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(metrics.text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
  });

  it('moves every counter as two people type and share presence, and returns the gauges to 0', async () => {
    const EDITS_EACH = 10;
    const before = await scrapeMetrics(server.httpUrl);
    const delta = (after: MetricsScrape, name: string) => after.value(name) - before.value(name);

    const room = uniqueRoom('session');
    const alice = await editor(room);
    const bob = await editor(room);
    await expect.poll(() => metricValue(server.httpUrl, 'tandem_connections_open')).toBe(2);
    expect(await metricValue(server.httpUrl, 'tandem_rooms_loaded')).toBe(1);

    alice.provider.awareness.setLocalStateField('user', { name: 'Alice', color: '#175cd3' });
    bob.provider.awareness.setLocalStateField('user', { name: 'Bob', color: '#067647' });
    for (let i = 0; i < EDITS_EACH; i++) {
      alice.text.insert(alice.text.length, 'a');
      bob.text.insert(0, 'b');
      await sleep(5);
    }
    await eventually(
      () => alice.text.length === 2 * EDITS_EACH && bob.text.toString() === alice.text.toString(),
      'Alice and Bob to converge',
    );
    await eventually(
      () => (alice.provider.awareness.getStates().get(bob.doc.clientID)?.user as { name?: string })?.name === 'Bob',
      'Alice to see Bob’s presence',
    );

    const during = await scrapeMetrics(server.httpUrl);
    // Every edit is one update frame in. Each stored batch goes out to the other person as at
    // least one frame (edits of one person stored together leave as one merged frame).
    expect(delta(during, 'tandem_updates_received_total')).toBeGreaterThanOrEqual(2 * EDITS_EACH);
    expect(delta(during, 'tandem_updates_sent_total')).toBeGreaterThanOrEqual(delta(during, 'tandem_storage_write_seconds_count'));
    // Each set a name: two presence changes in, each relayed to both people. (Stock clients also
    // echo the presence they receive, so more arrive than are relayed.)
    expect(delta(during, 'tandem_awareness_received_total')).toBeGreaterThanOrEqual(2);
    expect(delta(during, 'tandem_awareness_sent_total')).toBeGreaterThanOrEqual(2 * 2);
    expect(delta(during, 'tandem_received_bytes_total')).toBeGreaterThan(2 * EDITS_EACH * 4);
    expect(delta(during, 'tandem_sent_bytes_total')).toBeGreaterThan(2 * EDITS_EACH * 4);
    // Each storage write is timed; writes are batched, so there are between 1 and one per update.
    const writes = delta(during, 'tandem_storage_write_seconds_count');
    expect(writes).toBeGreaterThanOrEqual(1);
    expect(writes).toBeLessThanOrEqual(delta(during, 'tandem_updates_received_total'));
    expect(delta(during, 'tandem_storage_write_seconds_sum')).toBeGreaterThan(0);
    expect(during.value('tandem_connections_open')).toBe(2);

    alice.destroy();
    bob.destroy();
    await expect.poll(() => metricValue(server.httpUrl, 'tandem_connections_open')).toBe(0);
    await expect.poll(() => metricValue(server.httpUrl, 'tandem_rooms_loaded'), { timeout: 5_000 }).toBe(0);
    await eventually(() => server.logs.some((entry) => entry.msg === LogMessage.roomUnloaded && entry.room === roomLogId(room)), 'the unload log line');
  });

  it('logs JSON lines that name the room and connection, and never the document text', async () => {
    const SECRET_TEXT = 'zebra-quartz-7731 the minutes nobody may read';
    const SECRET_NAME = 'Professor Plum-4471';
    const room = uniqueRoom('private');
    const alice = await editor(room);
    const bob = await editor(room);
    alice.provider.awareness.setLocalStateField('user', { name: SECRET_NAME, color: '#175cd3' });
    alice.text.insert(0, SECRET_TEXT);
    await eventually(() => bob.text.toString() === SECRET_TEXT, 'Bob to see Alice’s text');
    alice.destroy();
    bob.destroy();
    await eventually(
      () => server.logs.some((entry) => entry.msg === LogMessage.roomUnloaded && entry.room === roomLogId(room)),
      'the room to unload',
    );

    const lines = server.printed.stdout.split('\n').filter((line) => line.length > 0);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      expect(entry).toMatchObject({ level: expect.any(Number), time: expect.any(Number), msg: expect.any(String) });
    }
    const connected = server.logs.filter((entry) => entry.msg === LogMessage.connected && entry.room === roomLogId(room));
    expect(connected).toHaveLength(2);
    for (const entry of connected) expect(entry).toMatchObject({ room: roomLogId(room), conn: expect.any(String), role: 'edit' });
    expect(new Set(connected.map((entry) => entry.conn)).size).toBe(2);

    const printed = server.printed.stdout + server.printed.stderr;
    expect(printed).not.toContain('zebra-quartz-7731');
    expect(printed).not.toContain('Plum-4471');
  });
});

describe('health and readiness', () => {
  const databaseUrl = tempDatabaseUrl();
  const file = databaseFile(databaseUrl);
  let server: ServerProcess;

  beforeAll(async () => {
    server = await startServer({ databaseUrl });
  });
  afterAll(async () => {
    // Put the file back if a failed test left it moved, so the server can shut down cleanly.
    if (!fs.existsSync(file) && fs.existsSync(`${file}.moved`)) fs.renameSync(`${file}.moved`, file);
    expect(await server.stop()).toBe(0);
  });

  const status = async (path: string) => (await fetch(`${server.httpUrl}${path}`)).status;

  it('answers /readyz 503 once the SQLite file is moved away, while /healthz stays 200', async () => {
    const ready = await fetch(`${server.httpUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', storage: 'sqlite' });
    expect(await status('/healthz')).toBe(200);

    fs.renameSync(file, `${file}.moved`);
    const unready = await fetch(`${server.httpUrl}/readyz`);
    expect(unready.status).toBe(503);
    expect(await unready.json()).toEqual({ status: 'unavailable', storage: 'sqlite' });
    expect(await status('/healthz')).toBe(200);
    await eventually(() => server.logs.some((entry) => entry.msg === LogMessage.readinessFailed), 'the failed check to be logged');

    // The same file put back (same inode) is the database the server holds open: ready again.
    fs.renameSync(`${file}.moved`, file);
    expect(await status('/readyz')).toBe(200);
  });

  it('answers /readyz 503 when the file is replaced by another one', async () => {
    const original = `${file}.original`;
    fs.renameSync(file, original);
    fs.copyFileSync(original, file);
    try {
      expect(await status('/readyz')).toBe(503);
      expect(await status('/healthz')).toBe(200);
    } finally {
      fs.rmSync(file);
      fs.renameSync(original, file);
    }
    expect(await status('/readyz')).toBe(200);
  });
});

describe('room and view ids in the logs', () => {
  let server: ServerProcess;

  beforeAll(async () => {
    server = await startServer({
      env: { UPDATE_RATE_PER_SECOND: '5', UPDATE_BURST: '5', COMPACT_AFTER_UPDATES: '2', ALLOWED_ORIGINS: 'https://tandem.example' },
    });
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it('never appear: warnings, view-link rotation, compaction and refused upgrades name the hash', async () => {
    // In open mode the room id is the edit link, so a log reader must not learn it.
    const room = uniqueRoom('capability');
    const viewLink = async (method: 'GET' | 'POST') => {
      const response = await fetch(`${server.httpUrl}${viewLinkPath(room)}`, { method });
      return ((await response.json()) as ViewLinkResponse).viewId;
    };
    const alice = await connectClient(server.syncUrl, room);
    for (let i = 0; i < 4; i++) alice.text.insert(0, `${i}`);
    const oldViewId = await viewLink('GET');
    const viewer = await openRawPeer(`${server.syncUrl}/view/${oldViewId}`);
    const newViewId = await viewLink('POST');
    await viewer.closed();

    const flooder = await openRawPeer(`${server.syncUrl}/${room}`);
    for (let i = 0; i < 20; i++) flooder.send(updateFrame(updateFrom((text) => text.insert(0, '#'))));
    expect(await flooder.closed()).toBe(CloseCode.RATE_LIMITED);
    const garbler = await openRawPeer(`${server.syncUrl}/${room}`);
    garbler.send(new Uint8Array([0, 9, 9, 9]));
    expect(await garbler.closed()).toBe(CloseCode.MALFORMED_MESSAGE);
    for (const path of [room, `view/${newViewId}`]) {
      await expect(openRawSocket(`${server.syncUrl}/${path}`, { origin: 'https://evil.example' })).rejects.toMatchObject({ status: 403 });
    }
    alice.destroy();

    const hashed = roomLogId(room);
    const logged = (msg: LogMessageText) => server.logs.some((entry) => entry.msg === msg && entry.room === hashed);
    await eventually(() => logged(LogMessage.roomUnloaded), 'the room to unload');
    for (const msg of [LogMessage.roomCompacted, LogMessage.viewLinkRotated, LogMessage.overRateLimit, LogMessage.malformedFrame]) {
      expect(logged(msg), msg).toBe(true);
    }
    const refusedPaths = server.logs.filter((entry) => entry.msg === LogMessage.upgradeRefused).map((entry) => entry.path);
    expect(refusedPaths).toEqual(expect.arrayContaining([`/sync/${hashed}`, `/sync/view/${roomLogId(newViewId)}`]));

    const printed = server.printed.stdout + server.printed.stderr;
    expect(printed).toContain(hashed);
    for (const id of [room, oldViewId, newViewId]) expect(printed).not.toContain(id);
  });
});
