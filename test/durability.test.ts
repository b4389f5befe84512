/**
 * Durability through the real server process and real SQLite: nothing anyone has seen is lost
 * to a SIGKILL at any point of a fast typing session, background compaction under load keeps
 * every edit, a room whose stored state cannot be loaded is refused (4503) without a write and
 * served again once storage recovers, and a graceful shutdown mid-typing loses nothing.
 */
import Database from 'better-sqlite3';
import { describe, expect, it, onTestFinished } from 'vitest';
import * as Y from 'yjs';
import { CloseCode } from '../lib/protocol/close-codes';
import { containsAll, uniqueRoom, type Client } from './support/clients';
import {
  databaseFile,
  storedDoc,
  storedRows,
  tempDatabaseUrl,
  type ServerProcess,
} from './support/server-process';
import { loadTrace, replayEdits, textAfterEdits, textsAfterEachEdit } from './support/traces';
import { roomLogId } from '../server/log';
import { LogMessage, type LogMessageText } from '../server/log-messages';
import { connectClientForTest, openClientForTest, startServerForTest } from './support/test-scoped';
import { eventually, sleep } from './support/wait';

const EDITS = loadTrace('automerge-paper.json.gz').txns.slice(0, 5_000);
const FINAL_TEXT = textAfterEdits(EDITS);
/**
 * How far a replaying typist may run ahead of what another client has received, in inserted
 * characters (Yjs clocks). Not in edits: a run of deletions (automerge-paper's edits 2400–2690
 * are 291 backspaces) moves no clock, so an edit count read from clocks stands still during it
 * and a typist waiting for it would wait for ever.
 */
const MAX_CHARACTERS_IN_FLIGHT = 200;

/** A typist's Yjs clock after each number of edits: every inserted character is one clock. */
const CLOCK_AFTER_EDITS = EDITS.reduce(
  (clocks, { patches }) => {
    clocks.push(clocks[clocks.length - 1] + patches.reduce((sum, [, , inserted]) => sum + inserted.length, 0));
    return clocks;
  },
  [0],
);

/**
 * How many of `typist`'s edits `doc` holds, judged by the typist's clock (a deletion counts as
 * held with the insert before it). The server merges what arrives in one tick into one
 * update, so counting update events would undercount.
 */
function editsHeld(doc: Y.Doc, typist: Y.Doc): number {
  const clock = clockOf(doc, typist);
  let low = 0;
  let high = EDITS.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (CLOCK_AFTER_EDITS[middle] <= clock) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** The typist's Yjs clock as `doc` holds it: how many characters of the typist's it has. */
function clockOf(doc: Y.Doc, typist: Y.Doc): number {
  return Y.decodeStateVector(Y.encodeStateVector(doc)).get(typist.clientID) ?? 0;
}

/** A copy of `doc` as it is now, unaffected by later changes or destroy(). */
function copyOf(doc: Y.Doc): Y.Doc {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  return copy;
}

/** Counts the server's log lines with message `msg` about `room`. */
function logCount(server: ServerProcess, msg: LogMessageText, room: string): number {
  return server.logs.filter((entry) => entry.msg === msg && entry.room === roomLogId(room)).length;
}

describe('durability', () => {
  it('loses nothing anyone had received when the server is SIGKILLed at several points of a fast session', async () => {
    // One room, continued across three crashes: after each restart the typist and the witness
    // reconnect like browser tabs would (the typist bringing back the edits the dead server
    // never stored) and typing goes on. So each crash also hits a room that was itself
    // recovered from a crash, with its log continuing where the last process left it.
    const killAfterReceived = [300, 2_000, 4_000];
    const databaseUrl = tempDatabaseUrl();
    const room = uniqueRoom('kill9');
    let server = await startServerForTest({ databaseUrl });
    const typist = await connectClientForTest(server.syncUrl, room);
    const witness = await connectClientForTest(server.syncUrl, room);

    let received = 0;
    let killed: Promise<void> | null = null;
    let killAt: number | null = null;
    witness.doc.on('update', () => {
      received = editsHeld(witness.doc, typist.doc);
      // SIGKILL from inside the witness' update handler: the signal leaves the moment the
      // witness has this update, so an update forwarded before it was stored would be caught.
      if (!killed && killAt !== null && received >= killAt) {
        killAt = null;
        killed = server.kill();
      }
    });

    let next = 0;
    for (const killPoint of killAfterReceived) {
      // The typist outruns the server on this box; a window of edits in flight keeps the
      // stream going until the kill point instead of all 5,000 edits sitting in socket buffers.
      killAt = killPoint;
      const typing = replayEdits(typist.text, EDITS, {
        from: next,
        keepGoing: () => typist.provider.wsconnected,
        mayContinue: () => clockOf(typist.doc, typist.doc) - clockOf(witness.doc, typist.doc) < MAX_CHARACTERS_IN_FLIGHT,
      });
      await eventually(() => killed !== null, `the witness to receive ${killPoint} edits`);
      await killed;
      killed = null;
      next = await typing;
      // Mid-stream: the typist was still typing when the server died.
      expect(next).toBeLessThan(EDITS.length);

      // Keep both clients away until we have looked at what the server stored: the witness
      // would otherwise hand back what it saw, and the typist what it typed.
      typist.provider.shouldConnect = false;
      witness.provider.shouldConnect = false;
      // No socket at all (not even one still connecting), so none can reach the next server.
      await eventually(() => !typist.provider.ws && !witness.provider.ws, 'both to see the crash');
      const seen = copyOf(witness.doc);

      server = await startServerForTest({ databaseUrl, port: server.port });
      const reader = await connectClientForTest(server.syncUrl, room);
      // Everything the witness saw is stored (the server may have stored a little more) ...
      expect(containsAll(reader.doc, seen)).toBe(true);
      // ... and what is stored is the text after some prefix of the typing, not a jumble.
      expect(textsAfterEachEdit(EDITS.slice(0, next)).has(reader.text.toString())).toBe(true);
      reader.destroy();

      typist.provider.connect();
      witness.provider.connect();
      await eventually(() => typist.provider.synced && witness.provider.synced, 'both to reconnect');
    }

    expect(await replayEdits(typist.text, EDITS, { from: next })).toBe(EDITS.length);
    await eventually(() => witness.text.toString() === FINAL_TEXT, 'the witness to see all 5,000 edits');
    await server.kill();
    typist.destroy();
    witness.destroy();

    server = await startServerForTest({ databaseUrl, port: server.port });
    const reader = await connectClientForTest(server.syncUrl, room);
    expect(reader.text.toString()).toBe(FINAL_TEXT);
    reader.destroy();
    expect(await server.stop()).toBe(0);
  });

  it('keeps every edit while compaction runs again and again under a fast typing load', async () => {
    const compactAfterUpdates = 50;
    const databaseUrl = tempDatabaseUrl();
    const room = uniqueRoom('compact-load');
    const env = { COMPACT_AFTER_UPDATES: String(compactAfterUpdates) };
    let server = await startServerForTest({ databaseUrl, env });
    const typist = await connectClientForTest(server.syncUrl, room);
    const reader = await connectClientForTest(server.syncUrl, room);
    let received = 0;
    reader.doc.on('update', () => {
      received = editsHeld(reader.doc, typist.doc);
    });

    // A small window of edits in flight: the server gets them in many small batches (each
    // one log entry) rather than a few huge ones, so there is a log to compact again and again.
    const editsInFlight = 25;
    const typed = await replayEdits(typist.text, EDITS, {
      mayContinue: (next) => next - received < editsInFlight,
    });
    expect(typed).toBe(EDITS.length);
    await eventually(() => reader.text.toString() === FINAL_TEXT, 'the second client to see all 5,000 edits', 30_000);
    expect(typist.text.toString()).toBe(FINAL_TEXT);

    // Compacted repeatedly while both clients were connected, i.e. under load, not on unload.
    const compactions = server.logs.filter((entry) => entry.msg === LogMessage.roomCompacted && entry.room === roomLogId(room));
    expect(compactions.length).toBeGreaterThanOrEqual(3);
    expect(logCount(server, LogMessage.roomUnloaded, room)).toBe(0);
    // The log shrank: what was appended was folded into one snapshot, a short tail remains.
    const appended = compactions.reduce((sum, entry) => sum + Number(entry.folded), 0);
    const rows = storedRows(databaseUrl, room);
    expect(rows.snapshots).toBe(1);
    expect(rows.log).toBeLessThanOrEqual(compactAfterUpdates);
    expect(appended + rows.log).toBeGreaterThan(4 * compactAfterUpdates);

    typist.destroy();
    reader.destroy();
    expect(await server.stop()).toBe(0);
    server = await startServerForTest({ databaseUrl, port: server.port });
    const fresh = await connectClientForTest(server.syncUrl, room);
    expect(fresh.text.toString()).toBe(FINAL_TEXT);
    fresh.destroy();
    expect(await server.stop()).toBe(0);
  });

  it('refuses a room it cannot load with 4503, writes nothing for it, and serves it intact once storage recovers', async () => {
    const databaseUrl = tempDatabaseUrl();
    const server = await startServerForTest({ databaseUrl });
    const room = uniqueRoom('failed-load');

    // Real content first, stored and unloaded (as one snapshot) before storage goes bad.
    const seed = 'Stored before storage went bad. ';
    const seeder = await connectClientForTest(server.syncUrl, room);
    seeder.text.insert(0, seed);
    seeder.destroy();
    await eventually(() => logCount(server, LogMessage.roomUnloaded, room) === 1, 'the seeded room to unload');
    expect(storedDoc(databaseUrl, room).getText('title').toString()).toBe(seed);

    // Storage "fails": a row Y.applyUpdate throws on, written behind the server's back.
    const writable = new Database(databaseFile(databaseUrl));
    const corruptRow = writable
      .prepare('INSERT INTO room_updates (room, data) VALUES (?, ?)')
      .run(room, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])).lastInsertRowid;
    const rowsWhileFailing = storedRows(databaseUrl, room);
    expect(rowsWhileFailing).toEqual({ log: 1, snapshots: 1 });

    // A stock client with edits of its own: one made before it connects, and one the moment
    // each (short-lived) socket opens, which the provider sends at once as an update frame.
    const client = openClientForTest(server.syncUrl, room);
    const edits: string[] = [];
    const edit = () => {
      const added = `edit ${edits.length}. `;
      client.text.insert(client.text.length, added);
      edits.push(added);
    };
    edit();
    client.provider.on('status', ({ status }) => {
      if (status === 'connected') edit();
    });
    const closeCodes: number[] = [];
    client.provider.on('connection-close', (event) => {
      if (event) closeCodes.push(event.code);
    });
    await eventually(() => closeCodes.length >= 3, 'the client to be refused three times (it retries on its own)');
    expect(new Set(closeCodes)).toEqual(new Set([CloseCode.ROOM_UNAVAILABLE]));
    expect(client.provider.synced).toBe(false);
    // The log line travels through a pipe and can trail the close the client already saw.
    await eventually(() => logCount(server, LogMessage.roomLoadFailed, room) >= 3, 'the server to log each refusal');

    // The server keeps serving everyone else meanwhile.
    const elsewhere = uniqueRoom('healthy');
    const alice = await connectClientForTest(server.syncUrl, elsewhere);
    const bob = await connectClientForTest(server.syncUrl, elsewhere);
    alice.text.insert(0, 'unaffected');
    await eventually(() => bob.text.toString() === 'unaffected', 'another room to work');
    alice.destroy();
    bob.destroy();
    expect((await fetch(`${server.httpUrl}/healthz`)).status).toBe(200);
    // Nothing was written for the failing room, though the client sent its edits.
    expect(storedRows(databaseUrl, room)).toEqual(rowsWhileFailing);

    // Storage recovers; the provider's own next attempt loads the document intact and takes
    // the client's edits.
    const refusals = closeCodes.length;
    writable.prepare('DELETE FROM room_updates WHERE id = ?').run(corruptRow);
    writable.close();
    await eventually(() => client.provider.synced, 'the client to sync once the room loads');
    // At most one refusal still on its way when the row went; the attempt after it loaded.
    expect(closeCodes.length - refusals).toBeLessThanOrEqual(1);
    const expectedText = client.text.toString();
    expect(expectedText).toContain(seed);
    for (const added of edits) expect(expectedText).toContain(added);

    const reader = await connectClientForTest(server.syncUrl, room);
    await eventually(() => reader.text.toString() === expectedText, 'a fresh client to see the seed and every edit');
    reader.destroy();
    client.destroy();
    expect(await server.stop()).toBe(0);
  });

  it('loses no keystroke when the server is stopped gracefully while two people type', async () => {
    const databaseUrl = tempDatabaseUrl();
    let server = await startServerForTest({ databaseUrl });
    const room = uniqueRoom('shutdown');
    const alice = await connectClientForTest(server.syncUrl, room);
    const bob = await connectClientForTest(server.syncUrl, room);
    const aliceTyping = startTyping(alice, 'a');
    const bobTyping = startTyping(bob, 'b');

    const words = (client: Client) => client.text.toString().split(' ').filter(Boolean);
    const tokensOf = (client: Client, prefix: string) => words(client).filter((word) => word.startsWith(prefix));
    await eventually(
      () => tokensOf(alice, 'b').length >= 30 && tokensOf(bob, 'a').length >= 30,
      'both to see the other typing',
    );

    // What each received from the server before its socket closed must be on disk after the
    // stop, before anyone reconnects and could hand it back.
    const receivedBeforeStop = new Map<Client, { other: string[]; code: number | undefined }>();
    for (const [client, other] of [[alice, 'b'], [bob, 'a']] as const) {
      client.provider.once('connection-close', (event) => {
        receivedBeforeStop.set(client, { other: tokensOf(client, other), code: event?.code });
      });
    }
    expect(await server.stop()).toBe(0);
    await eventually(() => receivedBeforeStop.size === 2, 'both to see the server go');
    const onDisk = new Set(storedDoc(databaseUrl, room).getText('title').toString().split(' ').filter(Boolean));
    for (const { other, code } of receivedBeforeStop.values()) {
      expect(code).toBe(CloseCode.SERVICE_RESTART);
      for (const word of other) expect(onDisk).toContain(word);
    }

    // Typing goes on through the restart; both reconnect on their own and type some more.
    server = await startServerForTest({ databaseUrl, port: server.port });
    await eventually(() => alice.provider.synced && bob.provider.synced, 'both to reconnect');
    const [aliceAtReconnect, bobAtReconnect] = [aliceTyping.tokens.length, bobTyping.tokens.length];
    await eventually(
      () => aliceTyping.tokens.length >= aliceAtReconnect + 30 && bobTyping.tokens.length >= bobAtReconnect + 30,
      'both to type on after the restart',
    );
    await Promise.all([aliceTyping.stop(), bobTyping.stop()]);

    const everyToken = [...aliceTyping.tokens, ...bobTyping.tokens].sort();
    await eventually(
      () => alice.text.toString() === bob.text.toString() && words(alice).length === everyToken.length,
      'the two to converge',
    );
    // Every token each typed, exactly once.
    expect(words(alice).sort()).toEqual(everyToken);
    const reader = await connectClientForTest(server.syncUrl, room);
    expect(reader.text.toString()).toBe(alice.text.toString());
    reader.destroy();
    alice.destroy();
    bob.destroy();
    expect(await server.stop()).toBe(0);
  });
});

/** Appends a unique token (`a17 `) every few ms until stopped, whether connected or not. */
function startTyping(client: Client, prefix: string): { tokens: string[]; stop(): Promise<void> } {
  const tokens: string[] = [];
  let typing = true;
  // A failed assertion must not leave this loop typing into the next test.
  onTestFinished(() => {
    typing = false;
  });
  const done = (async () => {
    while (typing) {
      const token = `${prefix}${tokens.length}`;
      client.text.insert(client.text.length, `${token} `);
      tokens.push(token);
      await sleep(3);
    }
  })();
  return {
    tokens,
    stop() {
      typing = false;
      return done;
    },
  };
}
