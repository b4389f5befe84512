/**
 * Storage that fills up or fails (security review H12, M5), against a real server process on
 * real SQLite. A disk that is really full (a small tmpfs the test fills; needs root, else
 * skipped): the rooms whose appends fail give up after STORAGE_FAILURE_TIMEOUT_MS and close
 * their members with 4504, an attacker flooding a stuck room is cut off by MAX_QUEUED_BYTES,
 * /readyz says 503 while appends fail, presence is still relayed meanwhile, the browser's save status says "Not saved", SIGTERM
 * still exits 0 at once, and once space is freed a reconnecting stock client's edits are all
 * stored while nothing of the attacker's is. MAX_STORAGE_BYTES: new content is refused with
 * 4507, deletions pass, and once a deletion made room the refused editor's change is stored.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { CloseCode } from '../lib/protocol/close-codes';
import { describeSaveState } from '../components/SaveStatus';
import { uniqueRoom } from './support/clients';
import { updateFrame, updateFrom } from './support/frames';
import { rejectedTotal } from './support/metrics';
import { closeCodeOf, openRawSocket } from './support/raw-socket';
import { openRawPeer } from './support/raw-peer';
import { startServer, storedDoc, storedRows, tempDatabaseUrl, type ServerProcess } from './support/server-process';
import { connectTrackedClient, type TrackedClient } from './support/tracked-client';
import { describeUnlessSkipped } from './support/describe-when';
import { roomLogId } from '../server/log';
import { LogMessage } from '../server/log-messages';
import { eventually, sleep } from './support/wait';

/** Text no storage can compress. */
const randomText = (bytes: number) => randomBytes(Math.ceil((bytes * 3) / 4)).toString('base64').slice(0, bytes);

/** A 16 MiB tmpfs to fill, or why there is none (mounting needs root). */
function mountSmallDisk(): { dir: string | null; skipReason: string | null } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-small-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', dir], { stdio: 'ignore' });
    return { dir, skipReason: null };
  } catch {
    fs.rmSync(dir, { recursive: true, force: true });
    return { dir: null, skipReason: 'skipped: mounting a small tmpfs needs root' };
  }
}

/** Writes a file until the filesystem is full; returns its path. */
function fillDisk(dir: string): string {
  const file = path.join(dir, `filler-${Date.now()}`);
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

async function readyz(server: ServerProcess): Promise<{ status: number; body: Record<string, string> }> {
  const response = await fetch(`${server.httpUrl}/readyz`);
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

/** Polls /readyz until `status`; returns the body. */
async function readyzBecomes(server: ServerProcess, status: number, timeoutMs = 15_000): Promise<Record<string, string>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await readyz(server);
    if (answer.status === status) return answer.body;
    if (Date.now() > deadline) throw new Error(`/readyz stayed ${answer.status} ${JSON.stringify(answer.body)}`);
    await sleep(100);
  }
}

/** Close codes a stock client was closed with, as they come. */
function recordCloses(client: TrackedClient): number[] {
  const codes: number[] = [];
  client.provider.on('connection-close', (event: { code: number } | null) => codes.push(event?.code ?? 0));
  return codes;
}

const saveStatus = (client: TrackedClient) => describeSaveState(client.tracker.getState());

const disk = mountSmallDisk();
afterAll(() => {
  if (!disk.dir) return;
  execFileSync('umount', ['-l', disk.dir]);
  fs.rmSync(disk.dir, { recursive: true, force: true });
});

describeUnlessSkipped('a full disk under SQLite', disk.skipReason, () => {
  let server: ServerProcess;
  let databaseUrl: string;
  const clients: TrackedClient[] = [];
  beforeAll(async () => {
    databaseUrl = `sqlite:${path.join(disk.dir!, 'tandem.db')}`;
    server = await startServer({
      databaseUrl,
      env: {
        // No floor: let appends really hit ENOSPC (the floor has its own test below).
        MIN_FREE_DISK_BYTES: '0',
        STORAGE_FAILURE_TIMEOUT_MS: '2000',
        MAX_QUEUED_BYTES: String(1_200_000),
      },
    });
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await server.stop();
  });

  it('closes the rooms it cannot store (4504), says so, cuts off a flood, and stores every honest edit once space is freed', async () => {
    const room = uniqueRoom('full-disk');
    const alice = await connectTrackedClient(server.syncUrl, room);
    clients.push(alice);
    const aliceCloses = recordCloses(alice);
    alice.text.insert(0, 'written before the disk filled. ');
    await eventually(() => saveStatus(alice) === 'Saved', 'the first edit to be saved');
    expect(await readyz(server)).toEqual({ status: 200, body: { status: 'ready', storage: 'sqlite' } });

    let filler = fillDisk(disk.dir!);

    // An attacker floods another room: its first update fails to store and the rest queue,
    // until MAX_QUEUED_BYTES cuts it off. Then its room gives up and drops what it held.
    const floodRoom = uniqueRoom('flood');
    const attacker: WebSocket = await openRawSocket(`${server.syncUrl}/${floodRoom}`);
    const attackerClosed = closeCodeOf(attacker);
    for (let i = 0; i < 4 && attacker.readyState === attacker.OPEN; i++) {
      attacker.send(updateFrame(updateFrom((text) => text.insert(0, randomText(500_000)))));
      await sleep(100);
    }
    expect(await attackerClosed).toBe(CloseCode.STORAGE_UNAVAILABLE);
    expect(await rejectedTotal(server.httpUrl, 'queued_bytes')).toBeGreaterThanOrEqual(1);
    await eventually(
      () => server.logs.some((entry) => entry.room === roomLogId(floodRoom) && entry.msg === LogMessage.storageKeptFailing),
      'the flooded room to give up',
    );

    // Alice pastes a page: it cannot be stored, so her room gives up and closes her, retryably.
    alice.text.insert(alice.text.length, randomText(60_000));
    const failing = await readyzBecomes(server, 503);
    expect(failing).toMatchObject({ status: 'unavailable', storage: 'sqlite', writes: 'failing' });
    expect(failing.reason).toMatch(/^storage: /);
    await eventually(() => aliceCloses.includes(CloseCode.STORAGE_UNAVAILABLE), 'alice to be closed with 4504');
    await eventually(() => saveStatus(alice).startsWith('Not saved — the server cannot store changes'), 'alice to be told it is not saved');
    expect(saveStatus(alice)).toBe('Not saved — the server cannot store changes; they are kept on this device, retrying');
    expect(await rejectedTotal(server.httpUrl, 'storage_unavailable')).toBeGreaterThanOrEqual(1);
    // She keeps typing while the server cannot store anything; her client keeps it all.
    alice.text.insert(alice.text.length, 'typed while the disk was full.');
    // Her client reconnects and syncs, but nothing is stored: the status must not say "Saving…"
    // as if all were well, only "Not saved".
    const closesSoFar = aliceCloses.length;
    await eventually(() => alice.provider.wsconnected && alice.provider.synced && aliceCloses.length === closesSoFar, 'alice to reconnect');
    expect(saveStatus(alice)).toBe('Not saved — the server cannot store changes; they are kept on this device, retrying');

    // The admin frees space. Alice's client reconnects by itself and resends what was refused.
    fs.rmSync(filler);
    await eventually(() => saveStatus(alice) === 'Saved', 'alice to be saved again once there is space', 30_000);
    expect(storedDoc(databaseUrl, room).getText('title').toString()).toBe(alice.text.toString());
    await readyzBecomes(server, 200);
    // Nothing of the flood came back to take the freed space.
    expect(storedRows(databaseUrl, floodRoom)).toEqual({ log: 0, snapshots: 0 });

    // A full disk again, and a stop while appends fail: the server still stops at once, cleanly.
    filler = fillDisk(disk.dir!);
    alice.text.insert(alice.text.length, randomText(60_000));
    await readyzBecomes(server, 503);
    const stopping = Date.now();
    expect(await server.stop()).toBe(0);
    // Well inside the 10 s shutdown timeout (which exits 1).
    expect(Date.now() - stopping).toBeLessThan(8_000);
    fs.rmSync(filler);
  });
});

describeUnlessSkipped('a full disk under SQLite, freed before the room gives up', disk.skipReason, () => {
  it('stores what was already applied, and nothing a closed connection had queued', async () => {
    const databaseUrl = `sqlite:${path.join(disk.dir!, 'queue.db')}`;
    const server = await startServer({
      databaseUrl,
      env: { MIN_FREE_DISK_BYTES: '0', STORAGE_FAILURE_TIMEOUT_MS: '60000', MAX_QUEUED_BYTES: String(1_200_000) },
    });
    const filler = fillDisk(disk.dir!);
    try {
      const floodRoom = uniqueRoom('queued');
      const attacker = await openRawSocket(`${server.syncUrl}/${floodRoom}`);
      const closed = closeCodeOf(attacker);
      // The first update is applied and its append fails (and is retried); the next ones wait
      // in the queue until MAX_QUEUED_BYTES closes the sender.
      attacker.send(updateFrame(updateFrom((text) => text.insert(0, randomText(500_000)))));
      await eventually(() => server.logs.some((entry) => entry.room === roomLogId(floodRoom) && entry.msg === LogMessage.appendRetrying), 'the first append to fail');
      for (let i = 0; i < 3 && attacker.readyState === attacker.OPEN; i++) {
        attacker.send(updateFrame(updateFrom((text) => text.insert(0, randomText(500_000)))));
        await sleep(100);
      }
      expect(await closed).toBe(CloseCode.STORAGE_UNAVAILABLE);

      fs.rmSync(filler);
      await eventually(() => storedRows(databaseUrl, floodRoom).log > 0, 'the applied update to be stored once there is space', 30_000);
      await sleep(1_000);
      // Only the update the room had applied (others may have seen it once stored); what the
      // closed connection had queued was dropped with it, and never takes the freed space.
      expect(storedDoc(databaseUrl, floodRoom).getText('title').length).toBe(500_000);
    } finally {
      if (fs.existsSync(filler)) fs.rmSync(filler);
      expect(await server.stop()).toBe(0);
    }
  });
});

describeUnlessSkipped('a full disk under SQLite, presence meanwhile', disk.skipReason, () => {
  it('relays presence at once while its room retries a failing append, instead of holding it behind the append', async () => {
    const databaseUrl = `sqlite:${path.join(disk.dir!, 'presence.db')}`;
    const server = await startServer({ databaseUrl, env: { MIN_FREE_DISK_BYTES: '0', STORAGE_FAILURE_TIMEOUT_MS: '60000' } });
    const filler = fillDisk(disk.dir!);
    const room = uniqueRoom('presence-outage');
    const writer = await openRawPeer(`${server.syncUrl}/${room}`);
    const watcher = await openRawPeer(`${server.syncUrl}/${room}`);
    try {
      // Presence waits for the document messages sent before it (test/message-order.test.ts),
      // but not for an append that fails and is retried for up to a minute.
      writer.send(updateFrame(updateFrom((text) => text.insert(0, randomText(100_000)))));
      await eventually(() => server.logs.some((entry) => entry.room === roomLogId(room) && entry.msg === LogMessage.appendRetrying), 'the append to fail');
      writer.announce({ user: { name: 'Writer', color: '#175cd3' } });
      await eventually(() => watcher.awareness.getStates().has(writer.awareness.clientID), 'the presence to arrive while the append is retried', 5_000);
      expect(watcher.text.length).toBe(0);
    } finally {
      writer.destroy();
      watcher.destroy();
      fs.rmSync(filler);
      expect(await server.stop()).toBe(0);
    }
  });
});

describe('MAX_STORAGE_BYTES', () => {
  let server: ServerProcess;
  let databaseUrl: string;
  const clients: TrackedClient[] = [];
  const sockets: WebSocket[] = [];
  beforeAll(async () => {
    databaseUrl = tempDatabaseUrl();
    server = await startServer({ databaseUrl, env: { MAX_STORAGE_BYTES: String(700_000) } });
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    for (const socket of sockets) socket.close();
    await server.stop();
  });

  it('refuses new content once storage holds the quota (4507), lets deletions through, and stores the refused edit once they made room', async () => {
    const room = uniqueRoom('quota-bob');
    const bob = await connectTrackedClient(server.syncUrl, room);
    clients.push(bob);
    const bobCloses = recordCloses(bob);
    bob.text.insert(0, 'bob was here first. ');
    await eventually(() => saveStatus(bob) === 'Saved', 'bob to be saved');

    // Rooms are free: one socket per room, 200 KB each, until the quota refuses them.
    const closes: Promise<number>[] = [];
    const floodRooms: string[] = [];
    for (let i = 0; i < 6; i++) {
      const floodRoom = uniqueRoom('quota-flood');
      const socket = await openRawSocket(`${server.syncUrl}/${floodRoom}`);
      sockets.push(socket);
      floodRooms.push(floodRoom);
      closes.push(closeCodeOf(socket));
      socket.send(updateFrame(updateFrom((text) => text.insert(0, randomText(200_000)))));
      // Let the append land, so the next update is measured against it.
      await sleep(200);
    }
    for (const socket of sockets) socket.close();
    const codes = await Promise.all(closes);
    expect(codes).toContain(CloseCode.STORAGE_FULL);
    expect(await rejectedTotal(server.httpUrl, 'storage_full')).toBeGreaterThanOrEqual(1);
    // Full is not broken: the server still serves reads and deletions, and says what is full.
    expect(await readyz(server)).toEqual({ status: 200, body: { status: 'ready', storage: 'sqlite', full: 'MAX_STORAGE_BYTES' } });

    // As much as the flood update that was refused: no room for it either.
    const page = randomText(200_000);
    bob.text.insert(bob.text.length, page);
    await eventually(() => bobCloses.includes(CloseCode.STORAGE_FULL), 'bob to be closed with 4507');
    await eventually(() => saveStatus(bob).startsWith('Not saved'), 'bob to be told it is not saved');
    expect(saveStatus(bob)).toBe('Not saved — the server’s storage is full; changes are kept on this device, retrying');

    // Someone deletes two flooded pages: deletion-only updates are accepted and saved.
    const holdsAPage = (name: string) => storedDoc(databaseUrl, name).getText('title').length > 0;
    const pages = floodRooms.filter(holdsAPage);
    expect(pages.length).toBeGreaterThanOrEqual(2);
    for (const stored of pages.slice(0, 2)) {
      const cleaner = await connectTrackedClient(server.syncUrl, stored);
      const cleanerCloses = recordCloses(cleaner);
      cleaner.text.delete(0, cleaner.text.length);
      await eventually(() => saveStatus(cleaner) === 'Saved', 'the deletion to be saved');
      expect(cleanerCloses).toEqual([]);
      // Leaving unloads and compacts the room: the deleted page's space is free again.
      cleaner.destroy();
    }

    await eventually(() => saveStatus(bob) === 'Saved', 'bob to be saved once there is room', 30_000);
    expect(storedDoc(databaseUrl, room).getText('title').toString()).toBe(`bob was here first. ${page}`);
  });
});

describe('MIN_FREE_DISK_BYTES', () => {
  it('refuses new content while the database disk has less free space than the floor (4507)', async () => {
    // A floor no disk meets: every message that adds content is refused.
    const server = await startServer({ env: { MIN_FREE_DISK_BYTES: String(2 ** 52) } });
    try {
      const room = uniqueRoom('floor');
      const socket = await openRawSocket(`${server.syncUrl}/${room}`);
      const closed = closeCodeOf(socket);
      socket.send(updateFrame(updateFrom((text) => text.insert(0, 'no room for this'))));
      expect(await closed).toBe(CloseCode.STORAGE_FULL);
      expect(await readyz(server)).toEqual({ status: 200, body: { status: 'ready', storage: 'sqlite', full: 'MIN_FREE_DISK_BYTES' } });
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
