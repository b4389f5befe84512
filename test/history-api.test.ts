/**
 * Version history through its HTTP API against a real server process and real clients: named
 * and automatic versions, a version's state, restore (a forward change everyone receives, with
 * `pre-restore` and `restore` versions around it, restored text attributed to its original
 * authors), who may call what, and every refusal.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { AUTHOR_PARAM } from '../lib/protocol/author-id';
import type { AuthorshipResponse, Version, VersionListResponse } from '../lib/protocol/history-api';
import { OverrideIndex } from '../lib/protocol/override-index';
import { TOKEN_PARAM } from '../lib/protocol/sync-protocol';
import { mintToken } from '../server/auth';
import { authorIdForKey } from '../server/authors';
import { uniqueRoom, type Client } from './support/clients';
import { startCluster } from './support/cluster';
import { describeUnlessSkipped } from './support/describe-when';
import { SCALE_SKIP_REASON } from './support/cluster';
import { connectClientForTest, startServerForTest } from './support/test-scoped';
import { eventually } from './support/wait';

const newAuthorKey = () => randomBytes(16).toString('base64url');

interface Person {
  key: string;
  client: Client;
}

/** A stock client writing as a named author with a colour, as the browser does. */
async function person(syncUrl: string, room: string, name: string, color: string, params: Record<string, string> = {}): Promise<Person> {
  const key = newAuthorKey();
  const client = await connectClientForTest(syncUrl, room, { params: { [AUTHOR_PARAM]: key, ...params } });
  client.provider.awareness.setLocalStateField('user', { name, color });
  return { key, client };
}

async function api(httpUrl: string, path: string, init: { method?: string; body?: unknown; token?: string } = {}) {
  const response = await fetch(`${httpUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  return response;
}

async function json<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

async function nameVersion(httpUrl: string, room: string, name: string, by?: Person): Promise<Version> {
  const response = await api(httpUrl, `/api/rooms/${room}/versions`, { method: 'POST', body: { name, ...(by ? { authorKey: by.key } : {}) } });
  expect(response.status).toBe(201);
  return (await json<{ version: Version }>(response)).version;
}

async function listVersions(httpUrl: string, room: string): Promise<Version[]> {
  const response = await api(httpUrl, `/api/rooms/${room}/versions`);
  expect(response.status).toBe(200);
  return (await json<VersionListResponse>(response)).versions;
}

async function textAt(httpUrl: string, room: string, versionId: string): Promise<string> {
  const response = await api(httpUrl, `/api/rooms/${room}/versions/${versionId}/state`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/octet-stream');
  const doc = new Y.Doc();
  Y.applyUpdate(doc, new Uint8Array(await response.arrayBuffer()));
  return doc.getText('title').toString();
}

/** Waits until the server has stored what `client` typed (another reader sees it). */
async function storedText(syncUrl: string, room: string, expected: string): Promise<void> {
  const reader = await connectClientForTest(syncUrl, room);
  await eventually(() => reader.text.toString() === expected, `the server to hold "${expected}"`);
  reader.destroy();
}

describe('version history API', () => {
  test('named versions are listed newest first with their authors, and each one materialises its own text', async () => {
    const server = await startServerForTest();
    const room = uniqueRoom('named');
    const alice = await person(server.syncUrl, room, 'Alice', '#3366cc');
    alice.client.text.insert(0, 'one');
    await storedText(server.syncUrl, room, 'one');
    const first = await nameVersion(server.httpUrl, room, 'First draft', alice);
    expect(first).toMatchObject({ kind: 'named', name: 'First draft', inserted: 3, deleted: 0 });
    expect(first.authors).toEqual([{ id: authorIdForKey(alice.key), name: 'Alice', color: '#3366cc' }]);

    alice.client.text.insert(3, ' two');
    await storedText(server.syncUrl, room, 'one two');
    const second = await nameVersion(server.httpUrl, room, 'Second');
    const versions = await listVersions(server.httpUrl, room);
    expect(versions.map((version) => version.id)).toEqual([second.id, first.id]);
    expect(await textAt(server.httpUrl, room, first.id)).toBe('one');
    expect(await textAt(server.httpUrl, room, second.id)).toBe('one two');
  });

  test('editing that pauses for VERSION_PAUSE_MS gets an automatic version without anyone asking', async () => {
    const server = await startServerForTest({ env: { VERSION_PAUSE_MS: '1000' } });
    const room = uniqueRoom('auto');
    const alice = await person(server.syncUrl, room, 'Alice', '#3366cc');
    alice.client.text.insert(0, 'typed, then a pause');
    await storedText(server.syncUrl, room, 'typed, then a pause');
    await eventually(async () => (await listVersions(server.httpUrl, room)).some((version) => version.kind === 'auto'), 'an automatic version', 10_000);
    const [auto] = await listVersions(server.httpUrl, room);
    expect(auto).toMatchObject({ kind: 'auto', name: null, inserted: 'typed, then a pause'.length });
    expect(auto.authors.map((author) => author.name)).toEqual(['Alice']);
    expect(await textAt(server.httpUrl, room, auto.id)).toBe('typed, then a pause');
  });

  test('vandalism: after Bob deletes everything, restoring the last version brings the text back for everyone, framed by pre-restore and restore versions', async () => {
    const server = await startServerForTest();
    const room = uniqueRoom('vandal');
    const alice = await person(server.syncUrl, room, 'Alice', '#3366cc');
    const bob = await person(server.syncUrl, room, 'Bob', '#cc3366');
    alice.client.text.insert(0, 'A careful paragraph.');
    await eventually(() => bob.client.text.toString() === 'A careful paragraph.', 'Bob to see it');
    const good = await nameVersion(server.httpUrl, room, 'Good', alice);

    bob.client.text.delete(0, bob.client.text.length);
    bob.client.text.insert(0, 'vandalised');
    await eventually(() => alice.client.text.toString() === 'vandalised', 'Alice to see the vandalism');
    await storedText(server.syncUrl, room, 'vandalised');

    const response = await api(server.httpUrl, `/api/rooms/${room}/versions/${good.id}/restore`, { method: 'POST', body: { authorKey: alice.key } });
    expect(response.status).toBe(200);
    const restored = (await json<{ version: Version }>(response)).version;
    expect(restored).toMatchObject({ kind: 'restore', restoredFrom: good.id });
    await eventually(() => alice.client.text.toString() === 'A careful paragraph.', 'Alice to see the text again');
    await eventually(() => bob.client.text.toString() === 'A careful paragraph.', 'Bob to see the text again');

    const versions = await listVersions(server.httpUrl, room);
    expect(versions.map((version) => version.kind)).toEqual(['restore', 'pre-restore', 'named']);
    const preRestore = versions[1];
    // The stretch before the restore is Bob's: his deletion is listed under his name.
    expect(preRestore.authors.map((author) => author.name)).toEqual(['Bob']);
    expect(preRestore.deleted).toBeGreaterThanOrEqual('A careful paragraph.'.length);
    expect(await textAt(server.httpUrl, room, preRestore.id)).toBe('vandalised');
    expect(restored.authors.map((author) => author.name)).toEqual(['Alice']);

    // Who deleted what is attributed to Bob in the authorship answer.
    const authorship = await json<AuthorshipResponse>(await api(server.httpUrl, `/api/rooms/${room}/authorship`));
    expect(authorship.deletions.map((entry) => entry.author)).toContain(authorIdForKey(bob.key));
    expect(authorship.clients[String(bob.client.doc.clientID)]).toBe(authorIdForKey(bob.key));
    expect(authorship.clients[String(alice.client.doc.clientID)]).toBe(authorIdForKey(alice.key));

    // Restoring the same version again changes no text; undoing the restore is one more restore.
    const again = await api(server.httpUrl, `/api/rooms/${room}/versions/${good.id}/restore`, { method: 'POST', body: {} });
    expect(again.status).toBe(200);
    expect(alice.client.text.toString()).toBe('A careful paragraph.');
    const undo = await api(server.httpUrl, `/api/rooms/${room}/versions/${preRestore.id}/restore`, { method: 'POST', body: {} });
    expect(undo.status).toBe(200);
    await eventually(() => bob.client.text.toString() === 'vandalised', 'the restore to be undone by restoring');
  });

  test('restored text keeps its authors: after Carol deletes everything and restores it, the authorship gives Alice’s and Bob’s paragraphs back to them', async () => {
    const server = await startServerForTest();
    const room = uniqueRoom('restored-authors');
    const alice = await person(server.syncUrl, room, 'Alice', '#3366cc');
    const bob = await person(server.syncUrl, room, 'Bob', '#cc3366');
    const carol = await person(server.syncUrl, room, 'Carol', '#33cc66');
    const ids = { alice: authorIdForKey(alice.key), bob: authorIdForKey(bob.key), carol: authorIdForKey(carol.key) };
    const paragraphs = { [ids.alice]: 'Alice wrote this paragraph.', [ids.bob]: 'Bob wrote this one.' };
    const bodyOf = (client: Client) => client.doc.getXmlFragment('default');
    const write = (client: Client, text: string) => {
      const paragraph = new Y.XmlElement('paragraph');
      const content = new Y.XmlText();
      paragraph.insert(0, [content]);
      bodyOf(client).insert(bodyOf(client).length, [paragraph]);
      content.insert(0, text);
    };
    const both = `<paragraph>${paragraphs[ids.alice]}</paragraph><paragraph>${paragraphs[ids.bob]}</paragraph>`;
    write(alice.client, paragraphs[ids.alice]);
    await eventually(() => bodyOf(bob.client).length === 1, 'Bob to see Alice’s paragraph');
    write(bob.client, paragraphs[ids.bob]);
    await eventually(() => bodyOf(carol.client).toString() === both, 'Carol to see both paragraphs');
    const reader = await connectClientForTest(server.syncUrl, room);
    await eventually(() => bodyOf(reader).toString() === both, 'the server to hold both paragraphs');
    const good = await nameVersion(server.httpUrl, room, 'Both paragraphs', alice);

    bodyOf(carol.client).delete(0, bodyOf(carol.client).length);
    await eventually(() => bodyOf(reader).length === 0, 'the server to hold Carol’s deletion');
    const response = await api(server.httpUrl, `/api/rooms/${room}/versions/${good.id}/restore`, { method: 'POST', body: { authorKey: carol.key } });
    expect(response.status).toBe(200);
    await eventually(() => bodyOf(reader).toString() === both, 'the restore to reach a reader');

    const authorship = await json<AuthorshipResponse>(await api(server.httpUrl, `/api/rooms/${room}/authorship`));
    // The restore wrote under a client id of its own, bound to Carol, who restored.
    const restoreClients = Object.keys(authorship.clients).filter((client) => authorship.clients[client] === ids.carol).map(Number);
    expect(restoreClients).toHaveLength(1);
    const [restoreClient] = restoreClients;
    expect(authorship.overrides.length).toBeGreaterThan(0);
    expect(authorship.overrides.every((override) => override.client === String(restoreClient))).toBe(true);
    const overrides = new OverrideIndex(authorship.overrides.map((override) => ({ ...override, client: Number(override.client) })));

    // Every character of the restored paragraphs is a new item of the restore's client, and the
    // overrides name the person who typed it first: Alice's paragraph Alice's, Bob's Bob's.
    const restoredText = new Map<string, string>();
    for (const paragraph of bodyOf(reader).toArray() as Y.XmlElement[]) {
      const text = paragraph.get(0) as Y.XmlText;
      const expectedAuthor = Object.keys(paragraphs).find((author) => paragraphs[author] === text.toString())!;
      for (let item = text._start; item !== null; item = item.right) {
        if (item.deleted) continue;
        expect(item.id.client).toBe(restoreClient);
        const pieces: [string | null, number][] = [];
        const covered = overrides.forEachPiece(item.id.client, item.id.clock, item.length, (author, length) => pieces.push([author, length]));
        expect(covered).toBe(true);
        expect(pieces).toEqual([[expectedAuthor, item.length]]);
        restoredText.set(expectedAuthor, (restoredText.get(expectedAuthor) ?? '') + (item.content.getContent() as string[]).join(''));
      }
    }
    expect(Object.fromEntries(restoredText)).toEqual(paragraphs);
    // The overrides change no binding: the writers' client ids stay theirs.
    expect(authorship.clients[String(alice.client.doc.clientID)]).toBe(ids.alice);
    expect(authorship.clients[String(bob.client.doc.clientID)]).toBe(ids.bob);
    reader.destroy();
  });

  test('every refusal has a status and a clear message', async () => {
    const server = await startServerForTest();
    const room = uniqueRoom('refusals');
    const alice = await person(server.syncUrl, room, 'Alice', '#3366cc');
    alice.client.text.insert(0, 'x');
    await storedText(server.syncUrl, room, 'x');
    const cases: [string, Parameters<typeof api>[2], number, RegExp][] = [
      ['/api/rooms/no%20spaces/versions', {}, 400, /invalid room id/],
      [`/api/rooms/${room}/versions/NOT-AN-ID/state`, {}, 400, /invalid version id/],
      [`/api/rooms/${room}/versions/aaaaaaaaaaaaaaaa/state`, {}, 404, /no such version/],
      [`/api/rooms/${room}/versions/aaaaaaaaaaaaaaaa/restore`, { method: 'POST', body: {} }, 404, /no such version/],
      [`/api/rooms/${room}/versions`, { method: 'POST', body: { name: 'n'.repeat(101) } }, 400, /at most 100 characters/],
      [`/api/rooms/${room}/versions`, { method: 'POST', body: { name: '   ' } }, 400, /needs a "name"/],
      [`/api/rooms/${room}/versions?before=bad`, {}, 400, /invalid version id/],
      [`/api/rooms/${room}/settings`, { method: 'POST', body: { historyVisibleToViewers: 'yes' } }, 400, /true or false/],
      [`/api/rooms/${room}/versions/aaaaaaaaaaaaaaaa/state`, { method: 'POST', body: {} }, 405, /use GET/],
      // A document nobody wrote to has no state to name (and is not loaded to find that out).
      [`/api/rooms/${uniqueRoom('never-written')}/versions`, { method: 'POST', body: { name: 'Empty' } }, 404, /no document is stored here/],
    ];
    for (const [path, init, status, message] of cases) {
      const response = await api(server.httpUrl, path, init);
      expect({ path, status: response.status }).toEqual({ path, status });
      expect((await json<{ error: string }>(response)).error).toMatch(message);
    }
    // The name bound is inclusive: 100 characters is a name.
    expect((await api(server.httpUrl, `/api/rooms/${room}/versions`, { method: 'POST', body: { name: 'n'.repeat(100) } })).status).toBe(201);
  });

  test('view links see no history unless an editor allows it, and a view id never unlocks the room routes', async () => {
    const server = await startServerForTest();
    const room = uniqueRoom('viewers');
    const alice = await person(server.syncUrl, room, 'Alice', '#3366cc');
    alice.client.text.insert(0, 'private draft');
    await storedText(server.syncUrl, room, 'private draft');
    const named = await nameVersion(server.httpUrl, room, 'Draft');
    const { viewId } = await json<{ viewId: string }>(await api(server.httpUrl, `/api/rooms/${room}/view-link`));

    for (const path of [`/api/views/${viewId}/versions`, `/api/views/${viewId}/versions/${named.id}/state`, `/api/views/${viewId}/authorship`]) {
      const response = await api(server.httpUrl, path);
      expect({ path, status: response.status }).toEqual({ path, status: 403 });
      expect((await json<{ error: string }>(response)).error).toMatch(/not shared with view links/);
    }
    // The view id is not the room: by room routes it names an empty document.
    expect((await listVersions(server.httpUrl, viewId)).length).toBe(0);
    expect((await api(server.httpUrl, `/api/rooms/${viewId}/versions/${named.id}/state`)).status).toBe(404);
    expect((await api(server.httpUrl, `/api/views/${viewId}/versions/${named.id}/restore`, { method: 'POST', body: {} })).status).toBe(404);

    expect(await json(await api(server.httpUrl, `/api/rooms/${room}/settings`))).toEqual({ historyVisibleToViewers: false, commentsVisibleToViewers: false });
    const allowed = await api(server.httpUrl, `/api/rooms/${room}/settings`, { method: 'POST', body: { historyVisibleToViewers: true } });
    expect(await json(allowed)).toEqual({ historyVisibleToViewers: true, commentsVisibleToViewers: false });
    const listed = await json<VersionListResponse>(await api(server.httpUrl, `/api/views/${viewId}/versions`));
    expect(listed.versions.map((version) => version.id)).toEqual([named.id]);
    const state = await api(server.httpUrl, `/api/views/${viewId}/versions/${named.id}/state`);
    expect(state.status).toBe(200);
    expect((await api(server.httpUrl, `/api/views/${'z'.repeat(21)}/versions`)).status).toBe(404);
  });

  test("the history routes load a room only within the server's limits, and listing never loads one", async () => {
    const server = await startServerForTest({ env: { MAX_LOADED_ROOMS: '1', ROOM_UNLOAD_DELAY_MS: '50' } });
    const stored = uniqueRoom('stored');
    const writer = await person(server.syncUrl, stored, 'Alice', '#3366cc');
    writer.client.text.insert(0, 'kept');
    await storedText(server.syncUrl, stored, 'kept');
    const named = await nameVersion(server.httpUrl, stored, 'Kept');
    writer.client.destroy();
    // Another room with content takes the one place (a room holding content never gives way).
    const busy = await person(server.syncUrl, uniqueRoom('busy'), 'Bob', '#cc3366');
    busy.client.text.insert(0, 'here');
    await eventually(async () => (await api(server.httpUrl, `/api/rooms/${stored}/versions`, { method: 'POST', body: { name: 'Now' } })).status === 503, 'the named version to wait for a place');
    const refused = await api(server.httpUrl, `/api/rooms/${stored}/versions/${named.id}/restore`, { method: 'POST', body: {} });
    expect(refused.status).toBe(503);
    expect((await json<{ error: string }>(refused)).error).toMatch(/busy/);
    // Reading history needs no loaded room.
    expect((await listVersions(server.httpUrl, stored)).map((version) => version.id)).toEqual([named.id]);
    expect(await textAt(server.httpUrl, stored, named.id)).toBe('kept');
  });

  test('token mode: the history routes need an edit token for the room', async () => {
    const secret = randomBytes(32).toString('hex');
    const server = await startServerForTest({ env: { AUTH_SECRET: secret } });
    const tokens = { secret, audience: 'tandem' };
    const room = uniqueRoom('tokens');
    const edit = (await mintToken(tokens, { room, role: 'edit', sub: 'user-alice', name: 'Alice Liddell' }, 60)).token;
    const alice = await person(server.syncUrl, room, 'Alice', '#3366cc', { [TOKEN_PARAM]: edit });
    alice.client.text.insert(0, 'signed in');
    await eventually(async () => (await api(server.httpUrl, `/api/rooms/${room}/versions`, { token: edit })).status === 200, 'the list');

    expect((await api(server.httpUrl, `/api/rooms/${room}/versions`)).status).toBe(401);
    const view = (await mintToken(tokens, { room, role: 'view' }, 60)).token;
    expect((await api(server.httpUrl, `/api/rooms/${room}/versions`, { token: view })).status).toBe(403);
    const other = (await mintToken(tokens, { room: uniqueRoom('other'), role: 'edit' }, 60)).token;
    expect((await api(server.httpUrl, `/api/rooms/${room}/versions`, { token: other })).status).toBe(403);

    const response = await api(server.httpUrl, `/api/rooms/${room}/versions`, { method: 'POST', body: { name: 'Signed' }, token: edit });
    expect(response.status).toBe(201);
    // The token's subject is the author id, its name claim the display name.
    const version = (await json<{ version: Version }>(response)).version;
    expect(version.authors).toEqual([{ id: 'user-alice', name: 'Alice Liddell', color: '#3366cc' }]);
  });
});

describeUnlessSkipped('version history across instances', SCALE_SKIP_REASON, () => {
  test('a restore made on one instance reaches clients on another', async () => {
    const cluster = await startCluster(2);
    try {
      const room = uniqueRoom('restore-scale');
      const alice = await person(cluster.instanceSyncUrl(0), room, 'Alice', '#3366cc');
      alice.client.text.insert(0, 'the good text');
      const bob = await person(cluster.instanceSyncUrl(1), room, 'Bob', '#cc3366');
      await eventually(() => bob.client.text.toString() === 'the good text', 'Bob on the other instance to see it');
      const good = await nameVersion(cluster.instances[1].httpUrl, room, 'Good');
      expect(await textAt(cluster.instances[0].httpUrl, room, good.id)).toBe('the good text');

      alice.client.text.delete(0, alice.client.text.length);
      await eventually(() => bob.client.text.toString() === '', 'Bob to see the deletion');
      const response = await api(cluster.instances[1].httpUrl, `/api/rooms/${room}/versions/${good.id}/restore`, { method: 'POST', body: {} });
      expect(response.status).toBe(200);
      await eventually(() => alice.client.text.toString() === 'the good text', 'Alice on instance 0 to receive the restore');

      // Bindings made on one instance hold on the other: Alice's id is hers there too.
      const forger = await connectClientForTest(cluster.instanceSyncUrl(1), room, { params: { [AUTHOR_PARAM]: newAuthorKey() } });
      const forged = new Y.Doc();
      Y.applyUpdate(forged, Y.encodeStateAsUpdate(alice.client.doc));
      forged.clientID = alice.client.doc.clientID;
      forged.getText('title').insert(0, 'FORGED ');
      Y.applyUpdate(forger.doc, Y.encodeStateAsUpdate(forged));
      await eventually(
        async () => (await fetch(`${cluster.instances[1].httpUrl}/metrics`).then((r) => r.text())).includes('reason="foreign_client_id"'),
        'the forgery to be refused on the other instance',
      );
      expect(alice.client.text.toString()).toBe('the good text');
    } finally {
      await cluster.close();
    }
  });
});

describeUnlessSkipped('restores across instances', SCALE_SKIP_REASON, () => {
  test('two restores of one room asked on two instances at once leave the version\'s text once, not twice', async () => {
    const cluster = await startCluster(2);
    try {
      const room = uniqueRoom('restore-race');
      const alice = await person(cluster.instanceSyncUrl(0), room, 'Alice', '#3366cc');
      alice.client.text.insert(0, 'the good text');
      const bob = await person(cluster.instanceSyncUrl(1), room, 'Bob', '#cc3366');
      await eventually(() => bob.client.text.toString() === 'the good text', 'Bob on the other instance to see it');
      const good = await nameVersion(cluster.instances[0].httpUrl, room, 'Good');
      bob.client.text.delete(0, bob.client.text.length);
      await eventually(() => alice.client.text.toString() === '', 'Alice to see the deletion');

      const restore = (i: number) => api(cluster.instances[i].httpUrl, `/api/rooms/${room}/versions/${good.id}/restore`, { method: 'POST', body: {} });
      const statuses = (await Promise.all([restore(0), restore(1)])).map((response) => response.status).sort();
      // One restore at a time per room, whichever instance is asked: the other is refused (409)
      // or runs after it (and then has nothing left to change).
      expect([[200, 200], [200, 409]]).toContainEqual(statuses);
      const reader = await connectClientForTest(cluster.instanceSyncUrl(0), room);
      await eventually(() => reader.text.toString().length > 0, 'the restore to arrive');
      await eventually(() => bob.client.text.toString() === alice.client.text.toString(), 'both instances to agree');
      expect(reader.text.toString()).toBe('the good text');
      expect(bob.client.text.toString()).toBe('the good text');
    } finally {
      await cluster.close();
    }
  });
});
