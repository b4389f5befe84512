/**
 * View links in open mode: `GET /api/rooms/<room>/view-link` hands out a room's read-only id;
 * whoever connects to `/sync/view/<viewId>` sees the document live and appears in presence,
 * but nothing they send ever reaches another client or storage. Rotating the link (POST)
 * closes its viewers with 4410 at once and retires the old id; editors never notice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as authProtocol from 'y-protocols/auth';
import { viewLinkPath, type ViewLinkResponse } from '../lib/protocol/api-routes';
import { CloseCode } from '../lib/protocol/close-codes';
import { isValidRoomId } from '../lib/protocol/room-id';
import { MessageType } from '../lib/protocol/sync-protocol';
import { connectClient, openClient, uniqueRoom, type Client } from './support/clients';
import { syncStep2Frame, updateFrame, updateFrom } from './support/frames';
import { rejectedTotal } from './support/metrics';
import { openRawPeer, type RawPeer } from './support/raw-peer';
import { openRawSocket } from './support/raw-socket';
import { startServer, storedDoc, tempDatabaseUrl, type ServerProcess } from './support/server-process';
import { roomLogId } from '../server/log';
import { LogMessage } from '../server/log-messages';
import { eventually } from './support/wait';

describe('view links (open mode)', () => {
  const databaseUrl = tempDatabaseUrl();
  let server: ServerProcess;
  const open: { destroy(): void }[] = [];

  beforeAll(async () => {
    server = await startServer({ databaseUrl });
  });
  afterAll(async () => {
    for (const client of open) client.destroy();
    expect(await server.stop()).toBe(0);
  });

  function viewLink(room: string, method: 'GET' | 'POST' | 'PUT' = 'GET'): Promise<Response> {
    return fetch(`${server.httpUrl}${viewLinkPath(room)}`, { method });
  }

  async function viewIdOf(room: string, method: 'GET' | 'POST' = 'GET'): Promise<string> {
    const response = await viewLink(room, method);
    expect(response.status).toBe(200);
    return ((await response.json()) as ViewLinkResponse).viewId;
  }

  async function editor(room: string): Promise<Client> {
    const client = await connectClient(server.syncUrl, room);
    open.push(client);
    return client;
  }

  async function viewer(viewId: string): Promise<RawPeer> {
    const peer = await openRawPeer(`${server.syncUrl}/view/${viewId}`);
    open.push(peer);
    return peer;
  }

  /** A stock WebsocketProvider pointed at `${syncUrl}/view`, recording permission-denied reasons. */
  function stockViewer(viewId: string): Client & { denials: string[] } {
    const client = openClient(`${server.syncUrl}/view`, viewId);
    const denials: string[] = [];
    // Replaces the stock handler (a console.warn) before the socket can open.
    client.provider.messageHandlers[MessageType.AUTH] = (_encoder, decoder) =>
      authProtocol.readAuthMessage(decoder, client.doc, (_doc, reason) => denials.push(reason));
    open.push(client);
    return Object.assign(client, { denials });
  }

  it('gives each room one stable view id', async () => {
    const room = uniqueRoom('stable');
    const viewId = await viewIdOf(room);
    expect(isValidRoomId(viewId)).toBe(true);
    expect(viewId).not.toBe(room);
    expect(await viewIdOf(room)).toBe(viewId);
    expect(await viewIdOf(room)).toBe(viewId);
    expect(await viewIdOf(uniqueRoom('other'))).not.toBe(viewId);
  });

  it.each([
    ['a dot', 'bad.id'],
    ['129 characters', 'a'.repeat(129)],
    ['a space', 'bad%20id'],
    ['non-ASCII', '%C3%A9t%C3%A9'],
    ['an encoded slash', 'room%2Fx'],
  ])('answers 400 to a room id with %s, for GET and POST', async (_label, room) => {
    expect((await viewLink(room, 'GET')).status).toBe(400);
    expect((await viewLink(room, 'POST')).status).toBe(400);
  });

  it('answers 405 to other methods', async () => {
    expect((await viewLink(uniqueRoom('method'), 'PUT')).status).toBe(405);
  });

  it('refuses an unknown view id with 404 and an invalid one with 400 at the upgrade', async () => {
    await expect(openRawSocket(`${server.syncUrl}/view/${uniqueRoom('nosuchview')}`)).rejects.toMatchObject({
      status: 404,
    });
    await expect(openRawSocket(`${server.syncUrl}/view/bad.view`)).rejects.toMatchObject({ status: 400 });
  });

  it('shows a viewer the document live, tells it it is read-only, and lists it in presence', async () => {
    const room = uniqueRoom('watch');
    const alice = await editor(room);
    alice.text.insert(0, 'Draft: ');
    const peer = await viewer(await viewIdOf(room));

    // The first frame is y-websocket's auth message "permission denied": [2, 0, varString reason].
    await eventually(() => peer.denials.length === 1, 'the read-only notice');
    expect(Array.from(peer.frames[0].subarray(0, 2))).toEqual([MessageType.AUTH, authProtocol.messagePermissionDenied]);
    expect(peer.denials[0]).toMatch(/read-only/);

    peer.requestDocument();
    await eventually(() => peer.text.toString() === 'Draft: ', 'the viewer to get the document');
    for (const word of ['one ', 'two ', 'three']) {
      alice.text.insert(alice.text.length, word);
      const expected = alice.text.toString();
      await eventually(() => peer.text.toString() === expected, `the viewer to see "${word}" live`);
    }

    peer.announce({ user: { name: 'Quiet Viewer', color: '#475467', viewing: true } });
    await eventually(
      () => (alice.provider.awareness.getStates().get(peer.doc.clientID)?.user as { name?: string })?.name === 'Quiet Viewer',
      'the viewer to appear in the editor’s presence',
    );
    alice.provider.awareness.setLocalStateField('user', { name: 'Alice', color: '#175cd3' });
    await eventually(
      () => (peer.awareness.getStates().get(alice.doc.clientID)?.user as { name?: string })?.name === 'Alice',
      'the viewer to see the editor’s presence',
    );
    expect(peer.denials).toHaveLength(1);
  });

  it('never forwards or stores what a viewer writes, says so again, and keeps the viewer connected', async () => {
    const room = uniqueRoom('readonly');
    const alice = await editor(room);
    const bob = await editor(room);
    alice.text.insert(0, 'agreed text');
    await eventually(() => bob.text.toString() === 'agreed text', 'Bob to see Alice’s text');
    const viewId = await viewIdOf(room);
    const peer = await viewer(viewId);
    const bystander = await viewer(viewId);
    for (const p of [peer, bystander]) p.requestDocument();
    await eventually(() => peer.text.toString() === 'agreed text' && bystander.text.toString() === 'agreed text', 'both viewers to sync');
    await eventually(() => peer.denials.length === 1, 'the read-only notice on join');
    const readOnlyBefore = await rejectedTotal(server.httpUrl, 'read_only');

    // Real Yjs content, built on the document the viewer holds, in each frame a client writes with.
    const insertAsStep2 = updateFrom((text) => text.insert(0, 'VIEWER STEP2 '), peer.doc);
    const insertAsUpdate = updateFrom((text) => text.insert(text.length, ' VIEWER UPDATE'), peer.doc);
    const deletion = updateFrom((text) => text.delete(0, 'agreed '.length), peer.doc);
    peer.send(syncStep2Frame(insertAsStep2));
    await eventually(() => peer.denials.length === 2, 'a read-only notice for the sync step 2');
    peer.send(updateFrame(insertAsUpdate));
    await eventually(() => peer.denials.length === 3, 'a read-only notice for the update');
    peer.send(updateFrame(deletion));
    await eventually(() => peer.denials.length === 4, 'a read-only notice for the deletion');

    // Storage appends in arrival order: once an edit Alice makes now reaches everyone, anything
    // queued before it would have arrived too.
    alice.text.insert(alice.text.length, ' (final)');
    const expected = 'agreed text (final)';
    await eventually(
      () => [bob, peer, bystander].every((client) => client.text.toString() === expected),
      'Alice’s later edit to reach Bob and both viewers',
    );
    expect(alice.text.toString()).toBe(expected);
    expect(storedDoc(databaseUrl, room).getText('title').toString()).toBe(expected);
    expect(await rejectedTotal(server.httpUrl, 'read_only')).toBe(readOnlyBefore + 3);
    expect(peer.socket.readyState).toBe(WebSocket.OPEN);
    expect(peer.closeCode).toBeNull();

    // Once everyone has left and the room is unloaded (compacted), storage still holds only that.
    for (const client of [alice, bob, peer, bystander]) client.destroy();
    await eventually(
      () => server.logs.some((entry) => entry.msg === LogMessage.roomUnloaded && entry.room === roomLogId(room)),
      'the room to unload',
    );
    expect(storedDoc(databaseUrl, room).getText('title').toString()).toBe(expected);
    const carol = await editor(room);
    expect(carol.text.toString()).toBe(expected);
  });

  it('serves a stock WebsocketProvider pointed at `${syncUrl}/view`, read-only', async () => {
    const room = uniqueRoom('stockview');
    const alice = await editor(room);
    alice.text.insert(0, 'for your eyes');
    const stock = stockViewer(await viewIdOf(room));
    await eventually(() => stock.provider.synced && stock.text.toString() === 'for your eyes', 'the stock viewer to sync');
    expect(stock.denials).toHaveLength(1);

    // A local edit in a view-only editor is sent as a normal update frame, and refused.
    stock.text.insert(0, 'scribble ');
    await eventually(() => stock.denials.length === 2, 'a read-only notice for the local edit');
    alice.text.insert(alice.text.length, ' only');
    await eventually(() => stock.text.toString() === 'scribble for your eyes only', 'the stock viewer to get Alice’s edit');
    expect(alice.text.toString()).toBe('for your eyes only');
    expect(stock.provider.wsconnected).toBe(true);
  });

  it('rotating the link closes its viewers with 4410 at once and retires the old id; editors carry on', async () => {
    const room = uniqueRoom('rotate');
    const alice = await editor(room);
    const bob = await editor(room);
    const editorCloses: unknown[] = [];
    for (const client of [alice, bob]) client.provider.on('connection-close', (event) => editorCloses.push(event));
    alice.text.insert(0, 'before');
    const oldId = await viewIdOf(room);
    const peer = await viewer(oldId);
    const stock = stockViewer(oldId);
    const stockClosed: number[] = [];
    stock.provider.on('closed', ({ code }) => stockClosed.push(code));
    await eventually(() => stock.provider.synced && peer.denials.length === 1, 'both viewers to join');
    const unknownBefore = await rejectedTotal(server.httpUrl, 'unknown_view_link');

    const newId = await viewIdOf(room, 'POST');
    expect(newId).not.toBe(oldId);
    expect(isValidRoomId(newId)).toBe(true);
    // The close is sent before the POST is answered.
    await eventually(() => peer.closeCode !== null && stockClosed.length === 1, 'both viewers to be closed', 1_000);
    expect(peer.closeCode).toBe(CloseCode.VIEW_LINK_REVOKED);
    expect(stockClosed).toEqual([CloseCode.VIEW_LINK_REVOKED]);
    expect(stock.provider.shouldConnect).toBe(false); // 44xx: the stock client gives up
    await eventually(
      () => server.logs.some((entry) => entry.msg === LogMessage.viewLinkRotated && entry.room === roomLogId(room)),
      'the rotation to be logged',
    );

    expect(await viewIdOf(room)).toBe(newId);
    await expect(openRawSocket(`${server.syncUrl}/view/${oldId}`)).rejects.toMatchObject({ status: 404 });
    expect(await rejectedTotal(server.httpUrl, 'unknown_view_link')).toBe(unknownBefore + 1);

    const fresh = await viewer(newId);
    fresh.requestDocument();
    await eventually(() => fresh.denials.length === 1 && fresh.text.toString() === 'before', 'a viewer on the new id');
    bob.text.insert(bob.text.length, ' and after');
    await eventually(
      () => alice.text.toString() === 'before and after' && fresh.text.toString() === 'before and after',
      'Bob’s edit to reach Alice and the new viewer',
    );
    expect(editorCloses).toEqual([]);
    expect(alice.provider.wsconnected && bob.provider.wsconnected).toBe(true);

    // Rotating again retires the second id too.
    const third = await viewIdOf(room, 'POST');
    expect(third).not.toBe(newId);
    expect(await fresh.closed()).toBe(CloseCode.VIEW_LINK_REVOKED);
    await expect(openRawSocket(`${server.syncUrl}/view/${newId}`)).rejects.toMatchObject({ status: 404 });
  });

  it('creates a view id on the first POST without revoking anything', async () => {
    const room = uniqueRoom('firstpost');
    const viewId = await viewIdOf(room, 'POST');
    expect(await viewIdOf(room)).toBe(viewId);
    const peer = await viewer(viewId);
    await eventually(() => peer.denials.length === 1, 'the read-only notice');
  });
});
