/**
 * Token mode (AUTH_SECRET set) on the standalone server: every upgrade needs an HS256 token
 * whose `room` claim names what the URL names. Refusals are HTTP 401 (no valid token) or 403
 * (valid, but not for this); a view token connects read-only, a comment token only through its
 * comment link (read-only for the document); a token that expires while
 * connected closes the socket with 4401. Tokens never appear in the server's output.
 */
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { commentLinkPath, TOKEN_PATH, viewLinkPath, type CommentLinkResponse, type ViewLinkResponse } from '../lib/protocol/api-routes';
import { CloseCode } from '../lib/protocol/close-codes';
import { TOKEN_PARAM } from '../lib/protocol/sync-protocol';
import { mintToken, type Role } from '../server/auth';
import { connectClient, uniqueRoom, type Client } from './support/clients';
import { updateFrame, updateFrom } from './support/frames';
import { rejectedTotal } from './support/metrics';
import { openRawPeer, type RawPeer } from './support/raw-peer';
import { openRawSocket } from './support/raw-socket';
import { startServer, storedDoc, tempDatabaseUrl, type ServerProcess } from './support/server-process';
import { roomLogId } from '../server/log';
import { LogMessage } from '../server/log-messages';
import { eventually } from './support/wait';

const SECRET = randomBytes(32).toString('hex');
const OTHER_SECRET = randomBytes(32).toString('hex');
const TOKENS = { secret: SECRET, audience: 'tandem' };

/** Signs arbitrary claims with jose directly, for tokens `mintToken` would never make. */
async function signClaims(
  claims: Record<string, unknown>,
  {
    secret = SECRET,
    expiresAt = Math.floor(Date.now() / 1000) + 60,
    audience = 'tandem',
    issuedAt = Math.floor(Date.now() / 1000),
  }: { secret?: string; expiresAt?: number | null; audience?: string | null; issuedAt?: number } = {},
): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt(issuedAt);
  if (expiresAt !== null) jwt.setExpirationTime(expiresAt);
  if (audience !== null) jwt.setAudience(audience);
  return jwt.sign(new TextEncoder().encode(secret));
}

/** An unsigned (`alg: none`) token: must never be accepted. */
function unsignedToken(claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

describe('token mode', () => {
  const databaseUrl = tempDatabaseUrl();
  let server: ServerProcess;
  const open: { destroy(): void }[] = [];
  /** Every token handed to the server, to check none ever shows up in its output. */
  const tokensUsed: string[] = [];

  beforeAll(async () => {
    server = await startServer({ databaseUrl, env: { AUTH_SECRET: SECRET } });
  });
  afterAll(async () => {
    for (const client of open) client.destroy();
    expect(await server.stop()).toBe(0);
  });

  async function token(room: string, role: Role, ttlSeconds = 60): Promise<string> {
    const minted = (await mintToken(TOKENS, { room, role }, ttlSeconds)).token;
    tokensUsed.push(minted);
    return minted;
  }

  function syncUrl(path: string, jwt?: string | null): string {
    if (jwt) tokensUsed.push(jwt);
    return `${server.syncUrl}/${path}${jwt === undefined || jwt === null ? '' : `?${TOKEN_PARAM}=${encodeURIComponent(jwt)}`}`;
  }

  async function editor(room: string): Promise<Client> {
    const client = await connectClient(server.syncUrl, room, { params: { [TOKEN_PARAM]: await token(room, 'edit') } });
    open.push(client);
    return client;
  }

  async function rawPeer(url: string): Promise<RawPeer> {
    const peer = await openRawPeer(url);
    open.push(peer);
    return peer;
  }

  function viewLink(room: string, method: 'GET' | 'POST', bearer?: string): Promise<Response> {
    if (bearer) tokensUsed.push(bearer);
    return fetch(`${server.httpUrl}${viewLinkPath(room)}`, {
      method,
      headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
    });
  }

  async function viewIdOf(room: string): Promise<string> {
    const response = await viewLink(room, 'GET', await token(room, 'edit'));
    expect(response.status).toBe(200);
    return ((await response.json()) as ViewLinkResponse).viewId;
  }

  function commentLink(room: string, method: 'GET' | 'POST', bearer?: string): Promise<Response> {
    if (bearer) tokensUsed.push(bearer);
    return fetch(`${server.httpUrl}${commentLinkPath(room)}`, {
      method,
      headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
    });
  }

  async function commentIdOf(room: string): Promise<string> {
    const response = await commentLink(room, 'GET', await token(room, 'edit'));
    expect(response.status).toBe(200);
    return ((await response.json()) as CommentLinkResponse).commentId;
  }

  const unauthorized: [string, (room: string) => Promise<string | null>][] = [
    ['no token', async () => null],
    ['an empty token', async () => ''],
    ['a token signed with another secret', (room) => signClaims({ room, role: 'edit' }, { secret: OTHER_SECRET })],
    ['an expired token', (room) => signClaims({ room, role: 'edit' }, { expiresAt: Math.floor(Date.now() / 1000) - 5 })],
    ['a malformed token', async () => 'not-a-jwt'],
    ['three garbage segments', async () => 'abc.def.ghi'],
    ['an unsigned (alg none) token', async (room) => unsignedToken({ room, role: 'edit', exp: Math.floor(Date.now() / 1000) + 60 })],
    ['a token without exp', (room) => signClaims({ room, role: 'edit' }, { expiresAt: null })],
    ['a token with an unknown role', (room) => signClaims({ room, role: 'admin' })],
    ['a token without a room claim', () => signClaims({ role: 'edit' })],
    ['a token without an audience', (room) => signClaims({ room, role: 'edit' }, { audience: null })],
    ['a token for another audience', (room) => signClaims({ room, role: 'edit' }, { audience: 'billing' })],
    ['a token valid for 25 hours (past MAX_TOKEN_TTL_SECONDS)', (room) =>
      signClaims({ room, role: 'edit' }, { expiresAt: Math.floor(Date.now() / 1000) + 25 * 3600 })],
    ['a token that expires in the year 275,760 (exp = 8.64e12)', (room) => signClaims({ room, role: 'edit' }, { expiresAt: 8.64e12 })],
    ['a token issued in the year 2100', (room) => signClaims({ room, role: 'edit' }, { issuedAt: 4_102_444_800 })],
  ];

  it.each(unauthorized)('refuses an upgrade with %s: HTTP 401, counted and logged', async (label, makeToken) => {
    const room = uniqueRoom('unauth');
    const before = await rejectedTotal(server.httpUrl, 'unauthorized');
    await expect(openRawSocket(syncUrl(room, await makeToken(room)))).rejects.toMatchObject({ status: 401 });
    expect(await rejectedTotal(server.httpUrl, 'unauthorized')).toBe(before + 1);
    await eventually(
      () => server.logs.some((entry) => entry.msg === LogMessage.upgradeRefused && entry.status === 401 && entry.path === `/sync/${roomLogId(room)}`),
      `a log line for ${label}`,
    );
  });

  it('refuses a valid token for another room with HTTP 403', async () => {
    const before = await rejectedTotal(server.httpUrl, 'forbidden');
    const wrongRoom = await token(uniqueRoom('elsewhere'), 'edit');
    await expect(openRawSocket(syncUrl(uniqueRoom('target'), wrongRoom))).rejects.toMatchObject({ status: 403 });
    expect(await rejectedTotal(server.httpUrl, 'forbidden')).toBe(before + 1);
  });

  it('lets editors with valid tokens sync through a stock provider (`params: { token }`)', async () => {
    const room = uniqueRoom('editors');
    const alice = await editor(room);
    const bob = await editor(room);
    alice.text.insert(0, 'signed ');
    bob.text.insert(bob.text.length, 'and sealed');
    await eventually(
      () => alice.text.toString() === bob.text.toString() && alice.text.length === 'signed and sealed'.length,
      'Alice and Bob to converge',
    );
  });

  it('connects a view-role token on /sync/<room> read-only', async () => {
    const room = uniqueRoom('viewtoken');
    const alice = await editor(room);
    const bob = await editor(room);
    alice.text.insert(0, 'edited');
    const peer = await rawPeer(syncUrl(room, await token(room, 'view')));
    await eventually(() => peer.denials.length === 1, 'the read-only notice');
    peer.requestDocument();
    await eventually(() => peer.text.toString() === 'edited', 'the viewer to get the document');

    peer.send(updateFrame(updateFrom((text) => text.insert(0, 'FORGED '), peer.doc)));
    await eventually(() => peer.denials.length === 2, 'a read-only notice for the write');
    alice.text.insert(alice.text.length, '!');
    await eventually(() => bob.text.toString() === 'edited!' && peer.text.toString() === 'edited!', 'Alice’s later edit to arrive');
    expect(storedDoc(databaseUrl, room).getText('title').toString()).toBe('edited!');
    expect(peer.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('accepts a view token naming the view id on /sync/view/<viewId>, and only that', async () => {
    const room = uniqueRoom('viewlink');
    const alice = await editor(room);
    alice.text.insert(0, 'shared read-only');
    const viewId = await viewIdOf(room);

    const peer = await rawPeer(syncUrl(`view/${viewId}`, await token(viewId, 'view')));
    peer.requestDocument();
    await eventually(() => peer.denials.length === 1 && peer.text.toString() === 'shared read-only', 'the viewer to sync');

    // The token must name the view id: one for the room itself, even an edit one, is for another subject.
    await expect(openRawSocket(syncUrl(`view/${viewId}`, await token(room, 'view')))).rejects.toMatchObject({ status: 403 });
    await expect(openRawSocket(syncUrl(`view/${viewId}`, await token(room, 'edit')))).rejects.toMatchObject({ status: 403 });
    await expect(openRawSocket(syncUrl(`view/${viewId}`))).rejects.toMatchObject({ status: 401 });
    // An edit-role token naming the view id still only views.
    const editRoleOnView = await rawPeer(syncUrl(`view/${viewId}`, await token(viewId, 'edit')));
    editRoleOnView.send(updateFrame(updateFrom((text) => text.insert(0, 'FORGED '), peer.doc)));
    await eventually(() => editRoleOnView.denials.length === 2, 'a read-only notice for the write');
    alice.text.insert(alice.text.length, '.');
    await eventually(() => peer.text.toString() === 'shared read-only.', 'Alice’s later edit to reach the viewer');
  });

  it('accepts a comment token naming the comment id on /sync/comment/<commentId>, read-only, and only that', async () => {
    const room = uniqueRoom('commentlink');
    const alice = await editor(room);
    alice.text.insert(0, 'open for comments');
    const commentId = await commentIdOf(room);

    const peer = await rawPeer(syncUrl(`comment/${commentId}`, await token(commentId, 'comment')));
    peer.requestDocument();
    await eventually(() => peer.denials.length === 1 && peer.text.toString() === 'open for comments', 'the commenter to sync');
    peer.send(updateFrame(updateFrom((text) => text.insert(0, 'FORGED '), peer.doc)));
    await eventually(() => peer.denials.length === 2, 'a read-only notice for the write');

    // The token must name the comment id: the room's, even an edit one, is for another subject.
    await expect(openRawSocket(syncUrl(`comment/${commentId}`, await token(room, 'comment')))).rejects.toMatchObject({ status: 403 });
    await expect(openRawSocket(syncUrl(`comment/${commentId}`, await token(room, 'edit')))).rejects.toMatchObject({ status: 403 });
    await expect(openRawSocket(syncUrl(`comment/${commentId}`))).rejects.toMatchObject({ status: 401 });
    // An edit-role token naming the comment id still only comments.
    const editRoleOnComment = await rawPeer(syncUrl(`comment/${commentId}`, await token(commentId, 'edit')));
    editRoleOnComment.send(updateFrame(updateFrom((text) => text.insert(0, 'FORGED '), peer.doc)));
    await eventually(() => editRoleOnComment.denials.length === 2, 'a read-only notice for the write');
    alice.text.insert(alice.text.length, '.');
    await eventually(() => peer.text.toString() === 'open for comments.', 'Alice’s later edit to reach the commenter');
    expect(storedDoc(databaseUrl, room).getText('title').toString()).toBe('open for comments.');
  });

  it('refuses a comment token on /sync/<room> with HTTP 403, even one naming the room, and on the view link', async () => {
    const room = uniqueRoom('commentonroom');
    await editor(room);
    const before = await rejectedTotal(server.httpUrl, 'forbidden');
    await expect(openRawSocket(syncUrl(room, await token(room, 'comment')))).rejects.toMatchObject({ status: 403 });
    const commentId = await commentIdOf(room);
    await expect(openRawSocket(syncUrl(room, await token(commentId, 'comment')))).rejects.toMatchObject({ status: 403 });
    const viewId = await viewIdOf(room);
    await expect(openRawSocket(syncUrl(`view/${viewId}`, await token(commentId, 'comment')))).rejects.toMatchObject({ status: 403 });
    expect(await rejectedTotal(server.httpUrl, 'forbidden')).toBe(before + 3);
  });

  it('closes a connection whose token expires with 4401, and a stock client stops there', async () => {
    const room = uniqueRoom('expiry');
    const alice = await editor(room);
    // `exp` is in whole seconds: this token expires 1–2 s from now.
    const { token: shortLived, expiresAt } = await mintToken(TOKENS, { room, role: 'edit' }, 2);
    tokensUsed.push(shortLived);
    const peer = await rawPeer(syncUrl(room, shortLived));
    peer.requestDocument();
    const stock = await connectClient(server.syncUrl, room, { params: { [TOKEN_PARAM]: shortLived } });
    open.push(stock);
    const stockClosed: number[] = [];
    stock.provider.on('closed', ({ code }) => stockClosed.push(code));

    expect(await peer.closed()).toBe(CloseCode.TOKEN_EXPIRED);
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt - 50);
    await eventually(() => stockClosed.length === 1, 'the stock client to be closed');
    expect(stockClosed).toEqual([CloseCode.TOKEN_EXPIRED]);
    expect(stock.provider.shouldConnect).toBe(false);
    await eventually(
      () => server.logs.filter((entry) => entry.msg === LogMessage.tokenExpired && entry.room === roomLogId(room)).length === 2,
      'a log line per expired connection',
    );
    // The editor with a long-lived token is unaffected.
    expect(alice.provider.wsconnected).toBe(true);
  });

  describe('the view-link API', () => {
    it('needs an edit token for the room: 401 without one, 403 with a view token or another room’s', async () => {
      const room = uniqueRoom('api');
      for (const method of ['GET', 'POST'] as const) {
        expect((await viewLink(room, method)).status).toBe(401);
        expect((await viewLink(room, method, 'garbage')).status).toBe(401);
        expect((await viewLink(room, method, await token(room, 'view'))).status).toBe(403);
        expect((await viewLink(room, method, await token(uniqueRoom('other'), 'edit'))).status).toBe(403);
      }
      const viewId = await viewIdOf(room);
      expect((await viewLink(room, 'GET', await token(viewId, 'view'))).status).toBe(403);
    });

    it('answers 200 with an edit token: GET is stable, POST rotates', async () => {
      const room = uniqueRoom('api');
      const edit = await token(room, 'edit');
      const first = (await (await viewLink(room, 'GET', edit)).json()) as ViewLinkResponse;
      const again = (await (await viewLink(room, 'GET', edit)).json()) as ViewLinkResponse;
      expect(again.viewId).toBe(first.viewId);
      const rotated = await viewLink(room, 'POST', edit);
      expect(rotated.status).toBe(200);
      expect(((await rotated.json()) as ViewLinkResponse).viewId).not.toBe(first.viewId);
    });
  });

  describe('the comment-link API', () => {
    it('needs an edit token for the room: 401 without one, 403 with a comment or view token', async () => {
      const room = uniqueRoom('capi');
      for (const method of ['GET', 'POST'] as const) {
        expect((await commentLink(room, method)).status).toBe(401);
        expect((await commentLink(room, method, await token(room, 'comment'))).status).toBe(403);
        expect((await commentLink(room, method, await token(room, 'view'))).status).toBe(403);
      }
      const commentId = await commentIdOf(room);
      expect((await commentLink(room, 'GET', await token(commentId, 'comment'))).status).toBe(403);
    });

    it('answers 200 with an edit token: GET is stable, POST rotates and closes the old id’s commenters', async () => {
      const room = uniqueRoom('capi');
      const edit = await token(room, 'edit');
      const first = (await (await commentLink(room, 'GET', edit)).json()) as CommentLinkResponse;
      expect(((await (await commentLink(room, 'GET', edit)).json()) as CommentLinkResponse).commentId).toBe(first.commentId);
      const peer = await rawPeer(syncUrl(`comment/${first.commentId}`, await token(first.commentId, 'comment')));
      await eventually(() => peer.denials.length === 1, 'the commenter to join');
      const rotated = await commentLink(room, 'POST', edit);
      expect(rotated.status).toBe(200);
      expect(((await rotated.json()) as CommentLinkResponse).commentId).not.toBe(first.commentId);
      expect(await peer.closed()).toBe(CloseCode.VIEW_LINK_REVOKED);
      // A still-valid token for the old id opens nothing.
      await expect(openRawSocket(syncUrl(`comment/${first.commentId}`, await token(first.commentId, 'comment')))).rejects.toMatchObject({ status: 404 });
    });
  });

  it('does not mint tokens on the standalone server: /api/token is 404', async () => {
    const response = await fetch(`${server.httpUrl}${TOKEN_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ room: uniqueRoom('mint') }),
    });
    expect(response.status).toBe(404);
  });

  // Runs last: covers every token the tests above handed to the server.
  it('never prints a token', () => {
    expect(tokensUsed.length).toBeGreaterThan(20);
    const printed = server.printed.stdout + server.printed.stderr;
    for (const used of tokensUsed.filter((used) => used.length > 8)) {
      expect(printed.includes(used), `token ${used.slice(0, 12)}… in the server output`).toBe(false);
      // Nor its signature alone (the part an attacker could not forge).
      const signature = used.split('.')[2];
      if (signature && signature.length > 16) expect(printed.includes(signature)).toBe(false);
    }
  });
});
