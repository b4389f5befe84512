/**
 * Hand-made clients with an edit link try to break a document for everyone else (security
 * review H2, H3, H5, H10, H4): updates whose dependencies never arrive, deletions of another
 * client's future text, thousands of root types, deep nesting, struct floods. Each attack runs
 * against the real server process; honest people must keep every edit and stay connected.
 * Rooms poisoned before these checks existed (rows written straight into SQLite) must load,
 * show their honest content and heal.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCode } from '../lib/protocol/close-codes';
import { LogMessage } from '../server/log-messages';
import { connectClient, uniqueRoom, type Client } from './support/clients';
import { updateFrame } from './support/frames';
import { danglingUpdate, deletionOnly, nest } from './support/hostile-updates';
import { rejectedTotal } from './support/metrics';
import { openRawPeer, type RawPeer } from './support/raw-peer';
import { databaseFile, startServer, storedDoc, tempDatabaseUrl, type ServerProcess } from './support/server-process';
import { eventually } from './support/wait';

function paragraphUpdate(text: string): Uint8Array {
  const doc = new Y.Doc();
  const paragraph = new Y.XmlElement('paragraph');
  paragraph.insert(0, [new Y.XmlText(text)]);
  doc.getXmlFragment('default').push([paragraph]);
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}

/** Whether the room's log was folded into its snapshot (the room was compacted, e.g. on unload). */
function compacted(databaseUrl: string, room: string): boolean {
  const db = new Database(databaseFile(databaseUrl), { readonly: true });
  try {
    const count = (sql: string) => (db.prepare(sql).get(room) as { n: number }).n;
    return count('SELECT COUNT(*) AS n FROM room_snapshots WHERE room = ?') === 1 && count('SELECT COUNT(*) AS n FROM room_updates WHERE room = ?') === 0;
  } finally {
    db.close();
  }
}

/** Resolves once the server has handled everything `peer` sent: it answers a sync step 1 after. */
async function handled(peer: RawPeer): Promise<void> {
  const before = peer.frames.length;
  peer.requestDocument();
  await eventually(() => peer.frames.length > before || peer.closeCode !== null, 'the server to answer');
}

function hasUnresolved(doc: Y.Doc): boolean {
  return doc.store.pendingStructs !== null || doc.store.pendingDs !== null;
}

/** Rows written behind the server's back, as a room stored before the document guard existed. */
function appendRawRows(databaseUrl: string, room: string, updates: Uint8Array[]): void {
  const db = new Database(databaseFile(databaseUrl));
  try {
    const insert = db.prepare('INSERT INTO room_updates (room, data) VALUES (?, ?)');
    for (const update of updates) insert.run(room, Buffer.from(update));
  } finally {
    db.close();
  }
}

describe('hostile documents against the standalone server', () => {
  let server: ServerProcess;
  const databaseUrl = tempDatabaseUrl();
  const open: { destroy(): void }[] = [];
  const editor = async (room: string): Promise<Client> => {
    const client = await connectClient(server.syncUrl, room);
    open.push(client);
    return client;
  };
  const raw = async (room: string): Promise<RawPeer> => {
    const peer = await openRawPeer(`${server.syncUrl}/${room}`);
    open.push(peer);
    return peer;
  };
  const closes = (client: Client): number[] => {
    const codes: number[] = [];
    client.provider.on('connection-close', (event: CloseEvent | null) => {
      if (event) codes.push(event.code);
    });
    return codes;
  };

  beforeAll(async () => {
    server = await startServer({ databaseUrl, env: { MAX_DOCUMENT_STRUCTS: '20000' } });
  });
  afterAll(async () => {
    for (const client of open) client.destroy();
    expect(await server.stop()).toBe(0);
  });

  it('H2: never stores, forwards or serves structs whose predecessors never arrived', async () => {
    const room = uniqueRoom('pending');
    const alice = await editor(room);
    const bob = await editor(room);
    alice.text.insert(0, 'important notes');
    await eventually(() => bob.text.toString() === 'important notes', 'Bob to see Alice');
    const before = await rejectedTotal(server.httpUrl, 'unresolved_dependencies');

    const attacker = await raw(room);
    attacker.send(updateFrame(danglingUpdate('x'.repeat(300_000))));
    await handled(attacker);
    // Honest edits after it go through; nothing pending reached anyone.
    alice.text.insert(0, 'NEW ');
    await eventually(() => bob.text.toString() === 'NEW important notes', 'Bob to see Alice’s next edit');
    expect(hasUnresolved(bob.doc)).toBe(false);
    const joiner = await editor(room);
    expect(joiner.text.toString()).toBe('NEW important notes');
    expect(hasUnresolved(joiner.doc)).toBe(false);
    // The attacker's socket stays: a client replaying old poison on reconnect still syncs.
    expect(attacker.closeCode).toBeNull();
    expect(await rejectedTotal(server.httpUrl, 'unresolved_dependencies')).toBe(before + 1);

    for (const client of [alice, bob, joiner]) client.destroy();
    attacker.destroy();
    await eventually(() => compacted(databaseUrl, room), 'the room to be compacted and unloaded');
    const stored = storedDoc(databaseUrl, room);
    expect(stored.getText('title').toString()).toBe('NEW important notes');
    expect(hasUnresolved(stored)).toBe(false);
  });

  it('H2, honest side: an edit typed after one that reached this tab before the server is asked for again, not lost', async () => {
    // Tab B's edit reaches tab A first (BroadcastChannel) while B's socket is down; A types
    // after it. The server cannot integrate A's edit without B's: it asks A for what it lacks.
    const room = uniqueRoom('two-tabs');
    const tabA = await editor(room);
    const tabB = await editor(room);
    const reader = await editor(room);
    tabA.text.insert(0, 'Plan: ');
    await eventually(() => tabB.text.toString() === 'Plan: ', 'tab B to see tab A');
    tabB.provider.disconnect();
    const bBefore = Y.encodeStateVector(tabB.doc);
    tabB.text.insert(6, 'ship it');
    // As y-websocket applies what comes over BroadcastChannel: with itself as origin, so it is not sent on.
    Y.applyUpdate(tabA.doc, Y.encodeStateAsUpdate(tabB.doc, bBefore), tabA.provider);
    tabA.text.insert(tabA.text.length, ' on Monday!');
    await eventually(() => reader.text.toString() === 'Plan: ship it on Monday!', 'the reader to see both tabs’ edits');
    tabA.text.insert(tabA.text.length, ' Really.');
    await eventually(() => reader.text.toString() === 'Plan: ship it on Monday! Really.', 'the reader to see the next edit');
  });

  it('H3: a "future delete" over another editor’s clocks deletes nothing they type later', async () => {
    const room = uniqueRoom('future-delete');
    const victim = await editor(room);
    const other = await editor(room);
    victim.text.insert(0, 'victim before. ');
    await eventually(() => other.text.toString() === 'victim before. ', 'the other editor to see the victim');

    const before = await rejectedTotal(server.httpUrl, 'unresolved_dependencies');
    const attacker = await raw(room);
    const clock = Y.getState(victim.doc.store, victim.doc.clientID);
    attacker.send(updateFrame(deletionOnly(victim.doc.clientID, clock, 2 ** 40)));
    // And one naming a client nobody knows.
    attacker.send(updateFrame(deletionOnly(123_456_789, 0, 2 ** 30)));
    await handled(attacker);

    victim.text.insert(victim.text.length, 'victim after the attack.');
    await eventually(() => other.text.toString() === 'victim before. victim after the attack.', 'the other editor to see the new text');
    const newcomer = await editor(room);
    expect(newcomer.text.toString()).toBe('victim before. victim after the attack.');
    expect(await rejectedTotal(server.httpUrl, 'unresolved_dependencies')).toBe(before + 2);
  });

  it('H10: refuses types nested deeper than MAX_NESTING_DEPTH, and the room and its members carry on', async () => {
    const room = uniqueRoom('nested');
    const alice = await editor(room);
    const aliceCloses = closes(alice);
    alice.text.insert(0, 'Honest text that matters.');
    const before = await rejectedTotal(server.httpUrl, 'too_deep');

    const poison = new Y.Doc();
    nest(poison.getXmlFragment('default'), 5000);
    const attacker = await raw(room);
    attacker.send(updateFrame(Y.encodeStateAsUpdate(poison)));
    expect(await attacker.closed()).toBe(CloseCode.MALFORMED_MESSAGE);
    expect(await rejectedTotal(server.httpUrl, 'too_deep')).toBe(before + 1);

    // A delete of the top element (the review's 7-byte kick) now has nothing to break.
    const kicker = await raw(room);
    kicker.send(updateFrame(deletionOnly(poison.clientID, 0, 1)));
    alice.text.insert(alice.text.length, ' Still here.');
    const reader = await editor(room);
    await eventually(() => reader.text.toString() === 'Honest text that matters. Still here.', 'a newcomer to see the text');
    expect(reader.doc.getXmlFragment('default').length).toBe(0);
    expect(aliceCloses).toEqual([]);
    poison.destroy();
  });

  it('H5: refuses content under root names Tandem does not use, before encoding anything', async () => {
    const room = uniqueRoom('roots');
    const alice = await editor(room);
    alice.text.insert(0, 'title text');
    const before = await rejectedTotal(server.httpUrl, 'unknown_root');

    const many = new Y.Doc();
    many.transact(() => {
      for (let i = 0; i < 5_000; i++) many.getMap(`r${i}`).set('k', i);
    });
    const attacker = await raw(room);
    attacker.send(updateFrame(Y.encodeStateAsUpdate(many)));
    expect(await attacker.closed()).toBe(CloseCode.MALFORMED_MESSAGE);
    expect(await rejectedTotal(server.httpUrl, 'unknown_root')).toBe(before + 1);
    many.destroy();

    // A joiner is answered at once and sees only Tandem's roots.
    const started = performance.now();
    const joiner = await editor(room);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(joiner.text.toString()).toBe('title text');
    expect(Array.from(joiner.doc.share.keys())).toEqual(['title']);
  });

  it('H4: refuses an update past MAX_DOCUMENT_STRUCTS with 4413, and deleting still works', async () => {
    const room = uniqueRoom('structs');
    const alice = await editor(room);
    alice.text.insert(0, 'keep me');
    const before = await rejectedTotal(server.httpUrl, 'too_many_structs');

    const bomb = new Y.Doc();
    const map = bomb.getMap('title');
    bomb.transact(() => {
      for (let i = 0; i < 30_000; i++) map.set(`k${i}`, i);
    });
    const attacker = await raw(room);
    attacker.send(updateFrame(Y.encodeStateAsUpdate(bomb)));
    expect(await attacker.closed()).toBe(CloseCode.DOCUMENT_TOO_LARGE);
    expect(await rejectedTotal(server.httpUrl, 'too_many_structs')).toBe(before + 1);
    bomb.destroy();

    alice.text.delete(0, alice.text.length);
    alice.text.insert(0, 'still editable');
    const reader = await editor(room);
    await eventually(() => reader.text.toString() === 'still editable', 'a newcomer to see the edit');
  });
});

describe('rooms poisoned before the document guard existed', () => {
  it('load, show their honest content, take edits again, and are stored repaired', async () => {
    const databaseUrl = tempDatabaseUrl();
    const room = uniqueRoom('poisoned');
    // The server creates the schema; the poison goes in while it is stopped.
    const first = await startServer({ databaseUrl });
    await first.stop();
    const poison = new Y.Doc();
    nest(poison.getXmlFragment('default'), 5000).insert(0, [new Y.XmlText('poison')]);
    appendRawRows(databaseUrl, room, [
      paragraphUpdate('Honest text that matters.'),
      Y.encodeStateAsUpdate(poison),
      danglingUpdate('dangling'),
      deletionOnly(987_654_321, 0, 2 ** 30),
    ]);
    poison.destroy();

    const server = await startServer({ databaseUrl });
    try {
      // Loading repairs the poison (5,000 levels deep): seconds on a quiet machine, far more beside a whole suite.
      const alice = await connectClient(server.syncUrl, room, { syncTimeoutMs: 90_000 });
      const aliceCloses: number[] = [];
      alice.provider.on('connection-close', (event: CloseEvent | null) => event && aliceCloses.push(event.code));
      const body = alice.doc.getXmlFragment('default');
      expect(() => body.toString()).not.toThrow();
      expect(body.toString()).toContain('Honest text that matters.');
      expect(hasUnresolved(alice.doc)).toBe(false);
      // The log line may trail the sync (stdout is read asynchronously).
      await eventually(
        () => server.logs.some((entry) => entry.msg === LogMessage.guardDroppedAtLoad),
        'the repair to be logged',
      );

      // A delete of the (now shallow) top quote goes through without closing anyone.
      const children = body.toArray() as Y.XmlElement[];
      expect(children.map((child) => child.nodeName).sort()).toEqual(['blockquote', 'paragraph']);
      const honest = children.find((child) => child.nodeName === 'paragraph')!;
      body.delete(children.findIndex((child) => child.nodeName === 'blockquote'), 1);
      honest.insert(1, [new Y.XmlText(' Edited after the repair.')]);
      const bob = await connectClient(server.syncUrl, room);
      await eventually(() => bob.doc.getXmlFragment('default').toString().includes('Edited after the repair.'), 'Bob to see the edit');
      expect(bob.doc.getXmlFragment('default').length).toBe(1);
      expect(aliceCloses).toEqual([]);
      alice.destroy();
      bob.destroy();
      // Compaction folds the stored log again, poison included, on the fold worker: 1.4 s on a
      // quiet machine, 4 s with every core busy, and longer beside a whole test suite.
      await eventually(() => compacted(databaseUrl, room), 'the room to be compacted', 90_000);
    } catch (error) {
      await server.stop(60_000);
      throw error;
    }
    // A stop may wait for a fold in flight (its unload compaction) on a loaded machine.
    expect(await server.stop(60_000)).toBe(0);
    const stored = storedDoc(databaseUrl, room);
    expect(hasUnresolved(stored)).toBe(false);
    expect(stored.getXmlFragment('default').toString()).toContain('Edited after the repair.');
  }, 240_000);
});

describe('a process short of memory', () => {
  it('refuses to load another room (4508, retryable) but stays healthy', async () => {
    // A heap limit the server is already past at start (it uses 12–14 MiB of heap after
    // starting; 10 % of a 48 MiB heap is under 7 MiB): every new room is refused.
    const server = await startServer({
      env: { NODE_OPTIONS: '--max-old-space-size=48', ROOM_LOAD_HEAP_LIMIT_PERCENT: '10' },
    });
    try {
      const peer = await openRawPeer(`${server.syncUrl}/${uniqueRoom('memory')}`);
      expect(await peer.closed()).toBe(CloseCode.SERVER_BUSY);
      peer.destroy();
      expect(await rejectedTotal(server.httpUrl, 'memory_pressure')).toBe(1);
      expect((await fetch(`${server.httpUrl}/healthz`)).status).toBe(200);
      await eventually(
        () => server.logs.some((entry) => entry.msg === LogMessage.memoryPressure),
        'the refusal to be logged',
      );
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
