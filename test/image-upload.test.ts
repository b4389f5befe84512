/**
 * Image uploads against the real standalone server process (server/main.ts on SQLite), with
 * raw HTTP clients: upload and fetch back with the served headers; one stored copy per content
 * hash; refusals by size (Content-Length and a chunked body that never says), by content (an HTML
 * file renamed .png, an SVG, a truncated PNG), by the room's quota, by token (view, expired,
 * forged, other room), for invalid and deleted rooms; images survive a restart.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imagePath, roomImagesPath, type ImageUploadResponse } from '../lib/protocol/image-upload';
import { createRoomId } from '../lib/protocol/room-id';
import { mintToken } from '../server/auth';
import { runAdmin } from './support/admin-cli';
import { databaseFile, startServer, storedRows, tempDatabaseUrl, type ServerProcess } from './support/server-process';
import { connectClientForTest } from './support/test-scoped';
import { eventually } from './support/wait';

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, '../e2e/fixtures/images', name));
const MAX_UPLOAD_BYTES = 4096;
const MAX_ROOM_UPLOAD_BYTES = 2048;

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  json(): Record<string, unknown>;
}

/** One raw HTTP request; resolves with the whole answer. */
function request(url: string, options: { method?: string; headers?: Record<string, string>; body?: Buffer } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(url, { method: options.method ?? 'GET', headers: options.headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: response.statusCode!, headers: response.headers, body, json: () => JSON.parse(body.toString('utf8')) });
      });
    });
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

/**
 * A chunked upload that keeps sending `chunkBytes` chunks (never saying how long it is) until the
 * server answers; resolves with the answer and how many bytes were sent by then.
 */
function endlessUpload(url: string, chunkBytes: number): Promise<{ status: number; json: Record<string, unknown>; sent: number }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const outgoing = http.request(url, { method: 'POST', headers: { 'content-type': 'image/png', 'transfer-encoding': 'chunked' } }, (response) => {
      answered = true;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, json: JSON.parse(Buffer.concat(chunks).toString('utf8')), sent }));
    });
    // The server closes the connection after answering: a write racing that close may fail.
    outgoing.on('error', (error) => (answered ? undefined : reject(error)));
    const png = fixture('blue.png');
    // One chunk at a time, the next once the last is handed to the socket, as a browser streams a file.
    const pump = () => {
      if (answered || sent >= 100 * MAX_UPLOAD_BYTES) return;
      const chunk = sent === 0 ? Buffer.concat([png, randomBytes(chunkBytes)]) : randomBytes(chunkBytes);
      sent += chunk.byteLength;
      outgoing.write(chunk, () => setImmediate(pump));
    };
    pump();
  });
}

const imageRows = (databaseUrl: string, room: string) => {
  const db = new Database(databaseFile(databaseUrl), { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM room_images WHERE room = ?').get(room) as { n: number }).n;
  } finally {
    db.close();
  }
};

describe('image uploads in open mode', () => {
  const databaseUrl = tempDatabaseUrl();
  let server: ServerProcess;
  const upload = (room: string, body: Buffer, headers: Record<string, string> = {}) =>
    request(`${server.httpUrl}${roomImagesPath(room)}`, { method: 'POST', headers: { 'content-type': 'image/png', ...headers }, body });

  beforeAll(async () => {
    server = await startServer({
      databaseUrl,
      env: { MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES), MAX_ROOM_UPLOAD_BYTES: String(MAX_ROOM_UPLOAD_BYTES), MIN_NEW_ROOM_ID_LENGTH: '16' },
    });
  });
  afterAll(async () => {
    expect(await server?.stop()).toBe(0);
  });

  it.each([
    ['blue.png', 'image/png', 8, 6],
    ['photo.jpg', 'image/jpeg', 10, 7],
    ['dot.gif', 'image/gif', 1, 1],
    ['small.webp', 'image/webp', 9, 5],
  ])('stores %s and serves it back with its type, size and the safety and caching headers', async (name, contentType, width, height) => {
    const room = createRoomId();
    const bytes = fixture(name);
    // The claimed type is ignored: the bytes decide.
    const answer = await upload(room, bytes, { 'content-type': 'application/octet-stream' });
    expect(answer.status).toBe(201);
    const body = answer.json() as unknown as ImageUploadResponse;
    expect(body).toMatchObject({ contentType, width, height, bytes: bytes.byteLength, path: imagePath(body.id) });
    expect(body.id).toMatch(/^[A-Za-z0-9_-]{22}$/);

    const served = await request(`${server.httpUrl}${body.path}`);
    expect(served.status).toBe(200);
    expect(served.body.equals(bytes)).toBe(true);
    expect(served.headers).toMatchObject({
      'content-type': contentType,
      'content-length': String(bytes.byteLength),
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'cache-control': 'private, max-age=31536000, immutable',
    });
    expect(served.headers['content-disposition']).toMatch(/^inline; filename="image-[A-Za-z0-9_-]{22}\.(png|jpg|gif|webp)"$/);
    const etag = served.headers.etag!;
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    const revalidated = await request(`${server.httpUrl}${body.path}`, { headers: { 'if-none-match': etag } });
    expect(revalidated.status).toBe(304);
    expect(revalidated.body.byteLength).toBe(0);
  });

  it('stores the same bytes once: a second upload answers the same id, and the database holds one row', async () => {
    const room = createRoomId();
    const first = await upload(room, fixture('blue.png'));
    const second = await upload(room, fixture('blue.png'));
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.json().id).toBe(first.json().id);
    expect(imageRows(databaseUrl, room)).toBe(1);
    // The id is random, not the content hash: the hash (the ETag) does not serve the image.
    const hash = (await request(`${server.httpUrl}${first.json().path}`)).headers.etag!.slice(1, -1);
    expect(first.json().id).not.toContain(hash.slice(0, 16));
    expect((await request(`${server.httpUrl}${imagePath(hash)}`)).status).toBe(404);
  });

  it('refuses a body whose Content-Length is over MAX_UPLOAD_BYTES with 413 before reading it', async () => {
    const room = createRoomId();
    const answer = await new Promise<Answer>((resolve, reject) => {
      // Headers only: the body is never sent, so an answer proves the server did not wait for it.
      const outgoing = http.request(`${server.httpUrl}${roomImagesPath(room)}`, { method: 'POST', headers: { 'content-length': String(10 * 1024 * 1024) } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: response.statusCode!, headers: response.headers, body, json: () => JSON.parse(body.toString('utf8')) });
          outgoing.destroy();
        });
      });
      outgoing.on('error', reject);
      outgoing.flushHeaders();
    });
    expect(answer.status).toBe(413);
    expect(answer.json()).toEqual({ code: 'image_too_large', error: 'the image is larger than the limit of 4096 bytes' });
    expect(imageRows(databaseUrl, room)).toBe(0);
  });

  it('refuses a chunked body that grows past MAX_UPLOAD_BYTES with 413, having read little more than the limit', async () => {
    const room = createRoomId();
    const { status, json, sent } = await endlessUpload(`${server.httpUrl}${roomImagesPath(room)}`, 1024);
    expect(status).toBe(413);
    expect(json.code).toBe('image_too_large');
    expect(sent).toBeLessThan(100 * MAX_UPLOAD_BYTES);
    expect(imageRows(databaseUrl, room)).toBe(0);
    // The server is fine afterwards.
    expect((await upload(room, fixture('dot.gif'))).status).toBe(201);
  });

  it.each(['page-renamed.png', 'drawing.svg', 'truncated.png'])('refuses %s with 415, whatever its claimed type', async (name) => {
    const room = createRoomId();
    const answer = await upload(room, fixture(name), { 'content-type': name.endsWith('.svg') ? 'image/svg+xml' : 'image/png' });
    expect(answer.status).toBe(415);
    expect(answer.json()).toEqual({ code: 'unsupported_image_type', error: 'only PNG, JPEG, GIF and WebP images can be uploaded' });
    expect(imageRows(databaseUrl, room)).toBe(0);
  });

  it('refuses an empty body with 400', async () => {
    const answer = await upload(createRoomId(), Buffer.alloc(0));
    expect(answer.status).toBe(400);
    expect(answer.json().code).toBe('empty_body');
  });

  it('refuses an upload past the room quota with 507; the same bytes again, and other rooms, still pass', async () => {
    const room = createRoomId();
    expect((await upload(room, fixture('photo.jpg'))).status).toBe(201);
    expect((await upload(room, fixture('small.webp'))).status).toBe(201);
    // Already stored: it counts once, and answers the stored copy.
    expect((await upload(room, fixture('photo.jpg'))).status).toBe(200);
    // 805 + 564 + 117 = 1486 bytes fit in 2048; 829 more do not.
    expect((await upload(room, fixture('blue.png'))).status).toBe(201);
    const big = await upload(room, withPadding(fixture('blue.png'), 700));
    expect(big.status).toBe(507);
    expect(big.json()).toEqual({ code: 'room_quota_exceeded', error: "this document's images would exceed its quota of 2048 bytes" });
    expect((await upload(createRoomId(), withPadding(fixture('blue.png'), 700))).status).toBe(201);
  });

  it('refuses invalid room ids and short ids of rooms not stored (open mode) with 400', async () => {
    for (const room of ['bad%20id', 'short']) {
      const answer = await upload(room, fixture('blue.png'));
      expect(answer.status).toBe(400);
      expect(answer.json().code).toBe('invalid_room');
    }
  });

  it('answers 404 for an unknown or malformed image id, and refuses other methods', async () => {
    expect((await request(`${server.httpUrl}${imagePath(createRoomId())}`)).status).toBe(404);
    expect((await request(`${server.httpUrl}${imagePath('../../etc/passwd')}`)).status).toBe(404);
    expect((await request(`${server.httpUrl}${roomImagesPath(createRoomId())}`)).status).toBe(405);
  });

  it('a deleted room refuses uploads (410) and serves none of its images (404)', async () => {
    const room = createRoomId();
    const writer = await connectClientForTest(server.syncUrl, room);
    writer.doc.getText('title').insert(0, 'Pictures');
    await eventually(() => storedRows(databaseUrl, room).log > 0, 'the title to be stored');
    const stored = (await upload(room, fixture('green.png'))).json();
    expect((await request(`${server.httpUrl}${stored.path}`)).status).toBe(200);
    expect(await runAdmin(['delete', room, '--yes'], { DATABASE_URL: databaseUrl })).toMatchObject({ code: 0 });
    expect(imageRows(databaseUrl, room)).toBe(0);
    expect((await request(`${server.httpUrl}${stored.path}`)).status).toBe(404);
    const refused = await upload(room, fixture('green.png'));
    expect(refused.status).toBe(410);
    expect(refused.json().code).toBe('room_deleted');
  });

  it('keeps images across a restart', async () => {
    const room = createRoomId();
    const stored = (await upload(room, fixture('dot.gif'))).json();
    expect(await server.stop()).toBe(0);
    server = await startServer({ databaseUrl, port: server.port, env: { MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES), MAX_ROOM_UPLOAD_BYTES: String(MAX_ROOM_UPLOAD_BYTES) } });
    const served = await request(`${server.httpUrl}${stored.path}`);
    expect(served.status).toBe(200);
    expect(served.body.equals(fixture('dot.gif'))).toBe(true);
  });
});

/** A valid PNG made larger by a private ancillary chunk of `bytes` zeros before IEND. */
function withPadding(png: Buffer, bytes: number): Buffer {
  const chunk = Buffer.alloc(12 + bytes);
  chunk.writeUInt32BE(bytes, 0);
  chunk.write('prVt', 4, 'ascii');
  return Buffer.concat([png.subarray(0, png.length - 12), chunk, png.subarray(png.length - 12)]);
}

describe('image uploads in token mode', () => {
  const SECRET = randomBytes(32).toString('hex');
  const TOKENS = { secret: SECRET, audience: 'tandem' };
  let server: ServerProcess;
  const upload = (room: string, token: string | null) =>
    request(`${server.httpUrl}${roomImagesPath(room)}`, {
      method: 'POST',
      headers: token ? { authorization: `Bearer ${token}` } : {},
      body: fixture('blue.png'),
    });

  beforeAll(async () => {
    server = await startServer({ env: { AUTH_SECRET: SECRET } });
  });
  afterAll(async () => {
    expect(await server?.stop()).toBe(0);
  });

  it('takes an edit token for the room, and the image is served without one (its id is the capability)', async () => {
    const room = createRoomId();
    const answer = await upload(room, (await mintToken(TOKENS, { room, role: 'edit' }, 60)).token);
    expect(answer.status).toBe(201);
    expect((await request(`${server.httpUrl}${answer.json().path}`)).status).toBe(200);
  });

  it('refuses missing, view, comment, expired, forged and other-room tokens with 401 or 403, storing nothing', async () => {
    const room = createRoomId();
    const expired = await new SignJWT({ room, role: 'edit' })
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience('tandem')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 120)
      .sign(new TextEncoder().encode(SECRET));
    const forged = (await mintToken({ secret: randomBytes(32).toString('hex'), audience: 'tandem' }, { room, role: 'edit' }, 60)).token;
    const cases: [string, string | null, number, string][] = [
      ['missing', null, 401, 'unauthorized'],
      ['view', (await mintToken(TOKENS, { room, role: 'view' }, 60)).token, 403, 'forbidden'],
      ['comment', (await mintToken(TOKENS, { room, role: 'comment' }, 60)).token, 403, 'forbidden'],
      ['expired', expired, 401, 'unauthorized'],
      ['forged', forged, 401, 'unauthorized'],
      ['other room', (await mintToken(TOKENS, { room: createRoomId(), role: 'edit' }, 60)).token, 403, 'forbidden'],
    ];
    for (const [what, token, status, code] of cases) {
      const answer = await upload(room, token);
      expect({ what, status: answer.status, code: answer.json().code }).toEqual({ what, status, code });
    }
  });
});
