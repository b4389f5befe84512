/**
 * Authorship against a real server process: every Yjs client id is bound to the author who
 * first wrote with it, and nobody writes under someone else's. Hand-made clients (raw sockets)
 * forge ids, pre-empt an announced id and retry after a restart; a stock client comes back
 * with its own offline edits under an earlier client id and keeps them.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { AUTHOR_PARAM } from '../lib/protocol/author-id';
import { uniqueRoom, type Client } from './support/clients';
import { SCALE_SKIP_REASON, startCluster } from './support/cluster';
import { describeUnlessSkipped } from './support/describe-when';
import { presenceFrame, updateFrame } from './support/frames';
import { rejectedTotal } from './support/metrics';
import { openRawPeer, type RawPeer } from './support/raw-peer';
import { tempDatabaseUrl } from './support/server-process';
import { connectClientForTest, startServerForTest } from './support/test-scoped';
import { eventually, sleep } from './support/wait';

const newAuthorKey = () => randomBytes(16).toString('base64url');

/** A raw peer writing as the author of `key`, destroyed with the test. */
async function rawAuthor(syncUrl: string, room: string, key: string): Promise<RawPeer> {
  const peer = await openRawPeer(`${syncUrl}/${room}?${AUTHOR_PARAM}=${key}`);
  peer.requestDocument();
  return peer;
}

/** An update typed by client `clientId` after the state `base` holds: what a forger sends. */
function typedAs(clientId: number, base: Y.Doc, text: string): Uint8Array {
  const forged = new Y.Doc();
  Y.applyUpdate(forged, Y.encodeStateAsUpdate(base));
  // After the apply: Yjs gives a doc a new id when an update it receives holds its own.
  forged.clientID = clientId;
  const before = Y.encodeStateVector(forged);
  forged.getText('title').insert(0, text);
  const update = Y.encodeStateAsUpdate(forged, before);
  forged.destroy();
  return update;
}

async function editor(syncUrl: string, room: string, key: string): Promise<Client> {
  return connectClientForTest(syncUrl, room, { params: { [AUTHOR_PARAM]: key } });
}

describe('authorship: client ids belong to their author', () => {
  test("a hand-made client cannot write under another author's client id, and keeps what it wrote under its own", async () => {
    const server = await startServerForTest();
    const room = uniqueRoom('forge');
    const alice = await editor(server.syncUrl, room, newAuthorKey());
    alice.text.insert(0, 'Alice wrote this.');
    const witness = await editor(server.syncUrl, room, newAuthorKey());
    await eventually(() => witness.text.toString() === 'Alice wrote this.', 'the witness to see Alice');

    const mallory = await rawAuthor(server.syncUrl, room, newAuthorKey());
    await eventually(() => mallory.text.toString() === 'Alice wrote this.', 'Mallory to load the document');
    // One message: structs under Alice's id (forged), then Mallory's own.
    const forged = typedAs(alice.doc.clientID, mallory.doc, 'PWNED ');
    const own = typedAs(4242, mallory.doc, 'Mallory: ');
    mallory.send(updateFrame(Y.mergeUpdates([forged, own])));

    await eventually(() => witness.text.toString().includes('Mallory: '), "Mallory's own text to arrive");
    expect(witness.text.toString()).not.toContain('PWNED');
    expect(alice.text.toString()).not.toContain('PWNED');
    await eventually(async () => (await rejectedTotal(server.httpUrl, 'foreign_client_id')) === 1, 'the forgery to be counted');
    expect(mallory.closeCode).toBeNull();

    // Alice's own next keystroke is not pre-empted by the forged clocks.
    alice.text.insert(alice.text.length, ' And more.');
    await eventually(() => witness.text.toString().endsWith(' And more.'), "Alice's next edit to arrive");
    mallory.destroy();
  });

  test('an id an editor announced in presence cannot be taken by another author before they type', async () => {
    const server = await startServerForTest();
    const room = uniqueRoom('preempt');
    const aliceKey = newAuthorKey();
    const alice = await rawAuthor(server.syncUrl, room, aliceKey);
    const aliceId = 777_001;
    alice.send(presenceFrame([{ clientId: aliceId, clock: 1, state: { user: { name: 'Alice', color: '#3366cc' } } }]));
    const mallory = await rawAuthor(server.syncUrl, room, newAuthorKey());
    await eventually(() => mallory.awareness.getStates().has(aliceId), "Mallory to see Alice's presence");

    mallory.send(updateFrame(typedAs(aliceId, new Y.Doc(), 'taken ')));
    await eventually(async () => (await rejectedTotal(server.httpUrl, 'foreign_client_id')) === 1, 'the pre-emption to be refused');

    alice.send(updateFrame(typedAs(aliceId, new Y.Doc(), 'mine')));
    const witness = await editor(server.syncUrl, room, newAuthorKey());
    await eventually(() => witness.text.toString() === 'mine', "Alice's first keystrokes to be stored");
    alice.destroy();
    mallory.destroy();
  });

  test('bindings survive a restart: after it, the forger is still refused', async () => {
    const databaseUrl = tempDatabaseUrl();
    const first = await startServerForTest({ databaseUrl });
    const room = uniqueRoom('restart');
    const alice = await editor(first.syncUrl, room, newAuthorKey());
    alice.text.insert(0, 'before the restart');
    const witness = await editor(first.syncUrl, room, newAuthorKey());
    await eventually(() => witness.text.toString() === 'before the restart', 'the text to be stored');
    const aliceId = alice.doc.clientID;
    const aliceState = Y.encodeStateAsUpdate(alice.doc);
    alice.destroy();
    witness.destroy();
    expect(await first.stop()).toBe(0);

    const second = await startServerForTest({ databaseUrl, port: first.port });
    const mallory = await rawAuthor(second.syncUrl, room, newAuthorKey());
    const base = new Y.Doc();
    Y.applyUpdate(base, aliceState);
    mallory.send(updateFrame(typedAs(aliceId, base, 'forged ')));
    await eventually(async () => (await rejectedTotal(second.httpUrl, 'foreign_client_id')) === 1, 'the forgery to be refused');
    const reader = await editor(second.syncUrl, room, newAuthorKey());
    expect(reader.text.toString()).toBe('before the restart');
    mallory.destroy();
  });

  test("a browser that comes back with offline edits under its earlier client id keeps them; another author's copy of them is refused", async () => {
    const server = await startServerForTest();
    const room = uniqueRoom('offline');
    const key = newAuthorKey();
    const firstVisit = await editor(server.syncUrl, room, key);
    firstVisit.text.insert(0, 'online');
    const witness = await editor(server.syncUrl, room, newAuthorKey());
    await eventually(() => witness.text.toString() === 'online', 'the online edit to be stored');
    // Offline: the edits stay in the browser (IndexedDB) under this page's client id.
    firstVisit.provider.disconnect();
    firstVisit.text.insert(firstVisit.text.length, ' and offline');
    const kept = Y.encodeStateAsUpdate(firstVisit.doc);

    // The same edits held by someone else (another author key) are not theirs to send.
    const other = new Y.Doc();
    Y.applyUpdate(other, kept);
    const impostor = await editor(server.syncUrl, room, newAuthorKey());
    Y.applyUpdate(impostor.doc, kept);
    await eventually(async () => (await rejectedTotal(server.httpUrl, 'foreign_client_id')) >= 1, "the impostor's copy to be refused");
    // Nothing times out here: proving the refused text never arrives needs a quiet window.
    await sleep(300);
    expect(witness.text.toString()).toBe('online');
    impostor.destroy();

    // The next visit of the same browser (same author key, new client id) sends them: kept.
    const nextVisit = new Y.Doc();
    Y.applyUpdate(nextVisit, kept);
    const back = await connectClientForTest(server.syncUrl, room, { params: { [AUTHOR_PARAM]: key } });
    Y.applyUpdate(back.doc, Y.encodeStateAsUpdate(nextVisit));
    await eventually(() => witness.text.toString() === 'online and offline', 'the offline edit to be accepted');
    firstVisit.destroy();
  });
});

describeUnlessSkipped('authorship across instances', SCALE_SKIP_REASON, () => {
  test("an id an editor announced on one instance cannot be taken by another author on another", async () => {
    const cluster = await startCluster(2);
    try {
      const room = uniqueRoom('remote-preempt');
      const alice = await rawAuthor(cluster.instanceSyncUrl(1), room, newAuthorKey());
      const aliceId = 777_002;
      alice.send(presenceFrame([{ clientId: aliceId, clock: 1, state: { user: { name: 'Alice', color: '#3366cc' } } }]));
      const mallory = await rawAuthor(cluster.instanceSyncUrl(0), room, newAuthorKey());
      await eventually(() => mallory.awareness.getStates().has(aliceId), "Mallory, on the other instance, to see Alice's presence");

      mallory.send(updateFrame(typedAs(aliceId, new Y.Doc(), 'taken ')));
      await eventually(async () => (await rejectedTotal(cluster.instances[0].httpUrl, 'foreign_client_id')) === 1, 'the pre-emption to be refused');
      alice.send(updateFrame(typedAs(aliceId, new Y.Doc(), 'mine')));
      const witness = await editor(cluster.instanceSyncUrl(0), room, newAuthorKey());
      await eventually(() => witness.text.toString() === 'mine', "Alice's first keystrokes to be stored and relayed");
      alice.destroy();
      mallory.destroy();
    } finally {
      await cluster.close();
    }
  });
});
