/**
 * POST /api/token, as the web app's process serves it (mintTokens): each link's holder gets a
 * token naming exactly what their link names, with that link's role, and never the room id of
 * a view or comment link. Served over real HTTP from the handler, with the in-memory store.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_PATH, type TokenResponse } from '../lib/protocol/api-routes';
import { createApiHandler } from './api';
import { verifyToken } from './auth';
import { createLogger } from './log';
import { createMemoryStorage } from './storage/memory';

const POLICY = { secret: 'a'.repeat(64), audience: 'tandem', maxTtlSeconds: 3600 };

describe('POST /api/token', () => {
  const links = createMemoryStorage();
  const revoked: string[] = [];
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    const handleApi = createApiHandler({
      links,
      tombstones: links,
      logger: createLogger('silent'),
      tokens: POLICY,
      tokenTtlSeconds: 600,
      allowedOrigins: [],
      mintTokens: true,
      revokeViewLink: (id) => revoked.push(`view:${id}`),
      revokeCommentLink: (id) => revoked.push(`comment:${id}`),
    });
    server = http.createServer((request, response) => {
      if (!handleApi(request, response, new URL(request.url ?? '/', 'http://localhost'))) response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await links.close();
  });

  function mint(body: unknown): Promise<Response> {
    return fetch(`${base}${TOKEN_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }

  it('mints a comment token naming the comment id, never the room', async () => {
    const commentId = await links.ensureCommentId('the-secret-room', 'commentlinkid');
    const response = await mint({ commentId });
    expect(response.status).toBe(200);
    const minted = (await response.json()) as TokenResponse;
    expect(minted.role).toBe('comment');
    const payload = Buffer.from(minted.token.split('.')[1], 'base64url').toString('utf8');
    expect(payload).not.toContain('the-secret-room');
    const claims = await verifyToken(minted.token, POLICY, commentId, 'comment');
    expect(claims).toMatchObject({ room: commentId, role: 'comment' });
    await expect(verifyToken(minted.token, POLICY, commentId, 'edit')).rejects.toMatchObject({ status: 403 });
    await expect(verifyToken(minted.token, POLICY, 'the-secret-room', 'view')).rejects.toMatchObject({ status: 403 });
  });

  it('mints view and edit tokens as before', async () => {
    const viewId = await links.ensureViewId('another-room', 'viewlinkid');
    const view = (await (await mint({ viewId })).json()) as TokenResponse;
    expect(view.role).toBe('view');
    expect(await verifyToken(view.token, POLICY, viewId, 'view')).toMatchObject({ room: viewId, role: 'view' });
    const edit = (await (await mint({ room: 'another-room' })).json()) as TokenResponse;
    expect(edit.role).toBe('edit');
  });

  it('answers 404 for a comment id no room has, or one that was rotated away', async () => {
    expect((await mint({ commentId: 'nosuchcommentid' })).status).toBe(404);
    const old = await links.ensureCommentId('rotated-room', 'oldcommentid');
    await links.replaceCommentId('rotated-room', 'newcommentid');
    expect((await mint({ commentId: old })).status).toBe(404);
    expect((await mint({ commentId: 'newcommentid' })).status).toBe(200);
    // A view id is not a comment id, nor the other way round.
    expect((await mint({ commentId: 'viewlinkid' })).status).toBe(404);
    expect((await mint({ viewId: 'newcommentid' })).status).toBe(404);
  });

  it('answers 404 to an invalid comment id', async () => {
    expect((await mint({ commentId: 'bad.id' })).status).toBe(404);
    expect((await mint({ commentId: 42 })).status).toBe(404);
  });
});
