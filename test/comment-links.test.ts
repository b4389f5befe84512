/**
 * Comment links in open mode: `GET /api/rooms/<room>/comment-link` hands out a room's comment
 * id, separate from its view id; whoever connects to `/sync/comment/<commentId>` sees the
 * document live and appears in presence under their name, but none of their document updates
 * is ever applied, stored or forwarded. Rotating the link closes its commenters with 4410 and
 * retires the old id; editors and viewers never notice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as authProtocol from 'y-protocols/auth';
import { commentLinkPath, viewLinkPath, type CommentLinkResponse, type ViewLinkResponse } from '../lib/protocol/api-routes';
import { CloseCode } from '../lib/protocol/close-codes';
import { roomSettingsPath, versionsPath } from '../lib/protocol/history-api';
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

describe('comment links (open mode)', () => {
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

  function commentLink(room: string, method: 'GET' | 'POST' | 'PUT' = 'GET'): Promise<Response> {
    return fetch(`${server.httpUrl}${commentLinkPath(room)}`, { method });
  }

  async function commentIdOf(room: string, method: 'GET' | 'POST' = 'GET'): Promise<string> {
    const response = await commentLink(room, method);
    expect(response.status).toBe(200);
    return ((await response.json()) as CommentLinkResponse).commentId;
  }

  async function viewIdOf(room: string): Promise<string> {
    const response = await fetch(`${server.httpUrl}${viewLinkPath(room)}`);
    expect(response.status).toBe(200);
    return ((await response.json()) as ViewLinkResponse).viewId;
  }

  async function editor(room: string): Promise<Client> {
    const client = await connectClient(server.syncUrl, room);
    open.push(client);
    return client;
  }

  async function commenter(commentId: string): Promise<RawPeer> {
    const peer = await openRawPeer(`${server.syncUrl}/comment/${commentId}`);
    open.push(peer);
    return peer;
  }

  /** A stock WebsocketProvider pointed at `${syncUrl}/comment`, recording permission-denied reasons. */
  function stockCommenter(commentId: string): Client & { denials: string[] } {
    const client = openClient(`${server.syncUrl}/comment`, commentId);
    const denials: string[] = [];
    client.provider.messageHandlers[MessageType.AUTH] = (_encoder, decoder) =>
      authProtocol.readAuthMessage(decoder, client.doc, (_doc, reason) => denials.push(reason));
    open.push(client);
    return Object.assign(client, { denials });
  }

  it('gives each room one stable comment id, apart from its room id and view id', async () => {
    const room = uniqueRoom('stable');
    const commentId = await commentIdOf(room);
    expect(isValidRoomId(commentId)).toBe(true);
    expect(commentId).not.toBe(room);
    expect(commentId).not.toBe(await viewIdOf(room));
    expect(await commentIdOf(room)).toBe(commentId);
    expect(await commentIdOf(uniqueRoom('other'))).not.toBe(commentId);
  });

  it('answers 400 to an invalid room id and 405 to other methods', async () => {
    expect((await commentLink('bad.id', 'GET')).status).toBe(400);
    expect((await commentLink('bad%20id', 'POST')).status).toBe(400);
    expect((await commentLink(uniqueRoom('method'), 'PUT')).status).toBe(405);
  });

  it('refuses an unknown comment id with 404 (counted), an invalid one with 400, and a view id as a comment id', async () => {
    const unknownBefore = await rejectedTotal(server.httpUrl, 'unknown_comment_link');
    await expect(openRawSocket(`${server.syncUrl}/comment/${uniqueRoom('nosuch')}`)).rejects.toMatchObject({ status: 404 });
    await expect(openRawSocket(`${server.syncUrl}/comment/bad.id`)).rejects.toMatchObject({ status: 400 });
    const room = uniqueRoom('kinds');
    const viewId = await viewIdOf(room);
    const commentId = await commentIdOf(room);
    await expect(openRawSocket(`${server.syncUrl}/comment/${viewId}`)).rejects.toMatchObject({ status: 404 });
    await expect(openRawSocket(`${server.syncUrl}/view/${commentId}`)).rejects.toMatchObject({ status: 404 });
    expect(await rejectedTotal(server.httpUrl, 'unknown_comment_link')).toBe(unknownBefore + 2);
  });

  it('shows a commenter the document live, tells it it is read-only, and lists it in presence by name', async () => {
    const room = uniqueRoom('watch');
    const alice = await editor(room);
    alice.text.insert(0, 'Draft: ');
    const peer = await commenter(await commentIdOf(room));
    await eventually(() => peer.denials.length === 1, 'the read-only notice');
    expect(Array.from(peer.frames[0].subarray(0, 2))).toEqual([MessageType.AUTH, authProtocol.messagePermissionDenied]);

    peer.requestDocument();
    await eventually(() => peer.text.toString() === 'Draft: ', 'the commenter to get the document');
    alice.text.insert(alice.text.length, 'more');
    await eventually(() => peer.text.toString() === 'Draft: more', 'the commenter to see an edit live');

    peer.announce({ user: { name: 'Carla Commenter', color: '#475467' } });
    await eventually(
      () => (alice.provider.awareness.getStates().get(peer.doc.clientID)?.user as { name?: string })?.name === 'Carla Commenter',
      'the commenter to appear in the editor’s presence',
    );
  });

  it('never applies, forwards or stores what a commenter writes (raw frames), and counts it as read_only', async () => {
    const room = uniqueRoom('readonly');
    const alice = await editor(room);
    const bob = await editor(room);
    alice.text.insert(0, 'agreed text');
    await eventually(() => bob.text.toString() === 'agreed text', 'Bob to see Alice’s text');
    const commentId = await commentIdOf(room);
    const peer = await commenter(commentId);
    const bystander = await commenter(commentId);
    for (const p of [peer, bystander]) p.requestDocument();
    await eventually(() => peer.text.toString() === 'agreed text' && bystander.text.toString() === 'agreed text', 'both commenters to sync');
    await eventually(() => peer.denials.length === 1, 'the read-only notice on join');
    const readOnlyBefore = await rejectedTotal(server.httpUrl, 'read_only');

    peer.send(syncStep2Frame(updateFrom((text) => text.insert(0, 'COMMENTER STEP2 '), peer.doc)));
    await eventually(() => peer.denials.length === 2, 'a read-only notice for the sync step 2');
    peer.send(updateFrame(updateFrom((text) => text.insert(text.length, ' COMMENTER UPDATE'), peer.doc)));
    await eventually(() => peer.denials.length === 3, 'a read-only notice for the update');
    peer.send(updateFrame(updateFrom((text) => text.delete(0, 'agreed '.length), peer.doc)));
    await eventually(() => peer.denials.length === 4, 'a read-only notice for the deletion');

    alice.text.insert(alice.text.length, ' (final)');
    const expected = 'agreed text (final)';
    await eventually(
      () => [bob, peer, bystander].every((client) => client.text.toString() === expected),
      'Alice’s later edit to reach Bob and both commenters',
    );
    expect(alice.text.toString()).toBe(expected);
    expect(storedDoc(databaseUrl, room).getText('title').toString()).toBe(expected);
    expect(await rejectedTotal(server.httpUrl, 'read_only')).toBe(readOnlyBefore + 3);
    expect(peer.socket.readyState).toBe(WebSocket.OPEN);

    for (const client of [alice, bob, peer, bystander]) client.destroy();
    await eventually(
      () => server.logs.some((entry) => entry.msg === LogMessage.roomUnloaded && entry.room === roomLogId(room)),
      'the room to unload',
    );
    expect(storedDoc(databaseUrl, room).getText('title').toString()).toBe(expected);
  });

  it('closes a commenter that keeps writing (4403, counted as read_only_writes)', async () => {
    const room = uniqueRoom('keepswriting');
    const alice = await editor(room);
    alice.text.insert(0, 'text');
    const peer = await commenter(await commentIdOf(room));
    peer.requestDocument();
    await eventually(() => peer.text.toString() === 'text', 'the commenter to sync');
    const closesBefore = await rejectedTotal(server.httpUrl, 'read_only_writes');
    for (let i = 0; i < 4; i += 1) peer.send(updateFrame(updateFrom((text) => text.insert(0, `w${i} `), peer.doc)));
    expect(await peer.closed()).toBe(CloseCode.READ_ONLY_WRITES);
    expect(await rejectedTotal(server.httpUrl, 'read_only_writes')).toBe(closesBefore + 1);
    expect(alice.text.toString()).toBe('text');
  });

  it('serves a stock WebsocketProvider pointed at `${syncUrl}/comment`, read-only', async () => {
    const room = uniqueRoom('stock');
    const alice = await editor(room);
    alice.text.insert(0, 'for your eyes');
    const stock = stockCommenter(await commentIdOf(room));
    await eventually(() => stock.provider.synced && stock.text.toString() === 'for your eyes', 'the stock commenter to sync');
    expect(stock.denials).toHaveLength(1);
    stock.text.insert(0, 'scribble ');
    await eventually(() => stock.denials.length === 2, 'a read-only notice for the local edit');
    alice.text.insert(alice.text.length, ' only');
    await eventually(() => stock.text.toString() === 'scribble for your eyes only', 'the stock commenter to get Alice’s edit');
    expect(alice.text.toString()).toBe('for your eyes only');
    expect(storedDoc(databaseUrl, room).getText('title').toString()).toBe('for your eyes only');
    expect(stock.provider.wsconnected).toBe(true);
  });

  it('rotating the link closes its commenters with 4410 and retires the old id; editors and viewers carry on', async () => {
    const room = uniqueRoom('rotate');
    const alice = await editor(room);
    const editorCloses: unknown[] = [];
    alice.provider.on('connection-close', (event) => editorCloses.push(event));
    alice.text.insert(0, 'before');
    const viewer = await openRawPeer(`${server.syncUrl}/view/${await viewIdOf(room)}`);
    open.push(viewer);
    const oldId = await commentIdOf(room);
    const peer = await commenter(oldId);
    const stock = stockCommenter(oldId);
    const stockClosed: number[] = [];
    stock.provider.on('closed', ({ code }) => stockClosed.push(code));
    await eventually(() => stock.provider.synced && peer.denials.length === 1 && viewer.denials.length === 1, 'everyone to join');

    const newId = await commentIdOf(room, 'POST');
    expect(newId).not.toBe(oldId);
    await eventually(() => peer.closeCode !== null && stockClosed.length === 1, 'both commenters to be closed', 1_000);
    expect(peer.closeCode).toBe(CloseCode.VIEW_LINK_REVOKED);
    expect(stockClosed).toEqual([CloseCode.VIEW_LINK_REVOKED]);
    expect(stock.provider.shouldConnect).toBe(false);
    await eventually(
      () => server.logs.some((entry) => entry.msg === LogMessage.commentLinkRotated && entry.room === roomLogId(room)),
      'the rotation to be logged',
    );
    expect(await commentIdOf(room)).toBe(newId);
    await expect(openRawSocket(`${server.syncUrl}/comment/${oldId}`)).rejects.toMatchObject({ status: 404 });

    const fresh = await commenter(newId);
    fresh.requestDocument();
    await eventually(() => fresh.denials.length === 1 && fresh.text.toString() === 'before', 'a commenter on the new id');
    viewer.requestDocument();
    alice.text.insert(alice.text.length, ' and after');
    await eventually(() => fresh.text.toString() === 'before and after' && viewer.text.toString() === 'before and after', 'the edit to reach the new commenter and the viewer');
    expect(viewer.closeCode).toBeNull();
    expect(editorCloses).toEqual([]);
  });

  it('lets a commenter read history only where the room shares it with viewers', async () => {
    const room = uniqueRoom('history');
    const alice = await editor(room);
    alice.text.insert(0, 'history');
    const commentId = await commentIdOf(room);
    const refused = await fetch(`${server.httpUrl}${versionsPath({ commentId })}`);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: string }).error).toMatch(/not shared with comment links/);
    const shared = await fetch(`${server.httpUrl}${roomSettingsPath(room)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ historyVisibleToViewers: true }),
    });
    expect(shared.status).toBe(200);
    const allowed = await fetch(`${server.httpUrl}${versionsPath({ commentId })}`);
    expect(allowed.status).toBe(200);
    expect((await fetch(`${server.httpUrl}${versionsPath({ commentId: uniqueRoom('nosuch') })}`)).status).toBe(404);
    expect((await fetch(`${server.httpUrl}${versionsPath({ commentId })}`, { method: 'POST' })).status).toBe(405);
  });
});
