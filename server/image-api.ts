/**
 * Image uploads and serving (routes in lib/protocol/image-upload.ts). An upload's body is read
 * as a stream with a hard cap (MAX_UPLOAD_BYTES), refused at once when its Content-Length says
 * it is too large, recognised by its bytes only (image-format.ts) and stored with the room,
 * one copy per content hash, under a random id; the room's quota (MAX_ROOM_UPLOAD_BYTES) is
 * checked in storage's transaction. An image is served by that id alone: an <img> cannot send a
 * token, so the unguessable id is the capability, like a view link.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRoomId, isValidRoomId } from '../lib/protocol/room-id';
import { IMAGE_PATH_PREFIX, imagePath, roomImagesPath, type ImageUploadErrorCode, type ImageUploadResponse } from '../lib/protocol/image-upload';
import { API_PREFIX } from '../lib/protocol/api-routes';
import type { TokenPolicy } from './auth';
import { bearerClaims, HttpError } from './api-request';
import { detectImage, IMAGE_EXTENSIONS } from './image-format';
import { LogMessage } from './log-messages';
import { roomLogId, type Logger } from './log';
import type { Metrics } from './metrics';
import type { DocumentLog, ImageStore, RoomCatalog } from './storage';
import { BASE_SECURITY_HEADERS } from './security-headers';
import { isRefusedNewRoom } from './upgrade';

export interface ImageApiOptions {
  images: ImageStore;
  /** Whether a short room id names a stored document (open mode's MIN_NEW_ROOM_ID_LENGTH). */
  documents: Pick<DocumentLog, 'holdsRoom'>;
  tombstones: Pick<RoomCatalog, 'tombstoned'>;
  /** Token mode's policy; null in open mode (the room id in the path is the edit capability). */
  tokens: TokenPolicy | null;
  maxUploadBytes: number;
  maxRoomUploadBytes: number;
  minNewRoomIdLength: number;
  logger: Logger;
  metrics?: Pick<Metrics, 'imageUploads'>;
}

const UPLOAD_ROUTE = new RegExp(`^${API_PREFIX}/rooms/([^/]+)/images$`);
const IMAGE_ID = /^[A-Za-z0-9_-]{22}$/;

/**
 * Cached for a year and never revalidated: an id's bytes never change. `private`, not
 * `public`: a deleted room's images must stop being served, which a shared cache (a CDN or a
 * proxy) would not know; each browser keeps only what its own user was shown.
 */
const IMAGE_CACHE_CONTROL = 'private, max-age=31536000, immutable';
/** An image is never a document: no script, no plugin, no navigation, even opened on its own. */
const IMAGE_CSP = "default-src 'none'; sandbox";

/** A refusal with its stable code (ImageUploadErrorCode). */
class UploadRefused extends HttpError {
  constructor(
    status: number,
    readonly code: ImageUploadErrorCode,
    message: string,
  ) {
    super(status, message);
  }
}

/** Returns a handler for the image routes; it returns false for any other path. */
export function createImageApi(options: ImageApiOptions) {
  const { images, tombstones, logger } = options;
  const tooLarge = () => new UploadRefused(413, 'image_too_large', `the image is larger than the limit of ${describeBytes(options.maxUploadBytes)}`);

  async function authorize(request: IncomingMessage, room: string): Promise<void> {
    if (!isValidRoomId(room)) throw new UploadRefused(400, 'invalid_room', 'invalid room id');
    if ((await tombstones.tombstoned('room', [room])).size > 0) throw new UploadRefused(410, 'room_deleted', 'this document was deleted');
    try {
      await bearerClaims(request, options.tokens, room, 'edit');
    } catch (error) {
      if (error instanceof HttpError) throw new UploadRefused(error.status, error.status === 401 ? 'unauthorized' : 'forbidden', error.message);
      throw error;
    }
    const policy = { tokenMode: options.tokens !== null, minNewRoomIdLength: options.minNewRoomIdLength, documents: options.documents as DocumentLog };
    if (await isRefusedNewRoom(room, policy)) {
      throw new UploadRefused(400, 'invalid_room', `room id too short for a new document (at least ${options.minNewRoomIdLength} characters)`);
    }
  }

  async function upload(request: IncomingMessage, response: ServerResponse, room: string): Promise<void> {
    if (request.method !== 'POST') throw new HttpError(405, 'use POST');
    await authorize(request, room);
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > options.maxUploadBytes) throw tooLarge();
    const data = await readCapped(request, options.maxUploadBytes);
    if (!data) throw tooLarge();
    if (data.byteLength === 0) throw new UploadRefused(400, 'empty_body', 'the upload is empty');
    const format = detectImage(data);
    if (!format) throw new UploadRefused(415, 'unsupported_image_type', 'only PNG, JPEG, GIF and WebP images can be uploaded');
    const sha256 = createHash('sha256').update(data).digest('hex');
    const record = { id: createRoomId(), room, sha256, ...format, bytes: data.byteLength, createdAt: Date.now() };
    const result = await images.putImage(record, data, options.maxRoomUploadBytes);
    if (result.kind === 'over_quota') {
      throw new UploadRefused(507, 'room_quota_exceeded', `this document's images would exceed its quota of ${describeBytes(options.maxRoomUploadBytes)}`);
    }
    const { image, created } = result;
    options.metrics?.imageUploads.inc({ result: created ? 'stored' : 'deduplicated' });
    if (created) logger.info({ room: roomLogId(room), bytes: image.bytes, type: image.contentType }, LogMessage.imageStored);
    const body: ImageUploadResponse = {
      id: image.id,
      path: imagePath(image.id),
      contentType: image.contentType,
      bytes: image.bytes,
      width: image.width,
      height: image.height,
    };
    response.writeHead(created ? 201 : 200, { 'content-type': 'application/json', 'cache-control': 'no-store', ...BASE_SECURITY_HEADERS });
    response.end(JSON.stringify(body));
  }

  async function serve(request: IncomingMessage, response: ServerResponse, id: string): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') throw new HttpError(405, 'use GET');
    const stored = IMAGE_ID.test(id) ? await images.getImage(id) : null;
    // A deleted room's rows are gone; the tombstone also covers an instance that stored one
    // after the deletion was decided.
    if (!stored || (await tombstones.tombstoned('room', [stored.image.room])).size > 0) throw new HttpError(404, 'no such image');
    const { image, data } = stored;
    const etag = `"${image.sha256}"`;
    const headers = {
      'content-type': image.contentType,
      'cache-control': IMAGE_CACHE_CONTROL,
      etag,
      'content-security-policy': IMAGE_CSP,
      'content-disposition': `inline; filename="image-${image.id}.${IMAGE_EXTENSIONS[image.contentType as keyof typeof IMAGE_EXTENSIONS] ?? 'bin'}"`,
      ...BASE_SECURITY_HEADERS,
    };
    if (request.headers['if-none-match'] === etag) {
      response.writeHead(304, headers).end();
      return;
    }
    response.writeHead(200, { ...headers, 'content-length': data.byteLength });
    response.end(request.method === 'HEAD' ? undefined : data);
  }

  return function handleImages(request: IncomingMessage, response: ServerResponse, url: URL): boolean {
    const uploadMatch = UPLOAD_ROUTE.exec(url.pathname);
    const servedId = url.pathname.startsWith(IMAGE_PATH_PREFIX) ? url.pathname.slice(IMAGE_PATH_PREFIX.length) : null;
    if (!uploadMatch && servedId === null) return false;
    const work = uploadMatch ? upload(request, response, uploadMatch[1]) : serve(request, response, servedId!);
    work.catch((error: Error) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (error instanceof UploadRefused) {
        options.metrics?.imageUploads.inc({ result: error.code });
        logger.info({ room: uploadMatch && isValidRoomId(uploadMatch[1]) ? roomLogId(uploadMatch[1]) : undefined, code: error.code }, LogMessage.imageRefused);
      } else if (!(error instanceof HttpError)) {
        logger.error({ err: error.message, path: uploadMatch ? roomImagesPath('<room>') : `${IMAGE_PATH_PREFIX}<id>` }, 'image request failed');
      }
      const body = { error: error instanceof HttpError ? error.message : 'internal error', ...(error instanceof UploadRefused ? { code: error.code } : {}) };
      if (response.headersSent) return void response.destroy();
      // A body whose Content-Length is too large is never read: the connection closes after
      // the answer. One refused part-way (a chunked body past the cap) is drained up to
      // another MAX_UPLOAD_BYTES (at least 1 MiB) and discarded, so the client can read the answer before it
      // stops sending (closing on unread bytes would reset the connection under it).
      const unread = !request.complete;
      const declaredTooLarge = unread && Number(request.headers['content-length']) > options.maxUploadBytes;
      if (unread && !declaredTooLarge) discardRest(request, Math.max(options.maxUploadBytes, MIN_DISCARD_BYTES));
      response.writeHead(status, {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        ...(declaredTooLarge ? { connection: 'close' } : {}),
        ...BASE_SECURITY_HEADERS,
      });
      response.end(JSON.stringify(body));
    });
    return true;
  };
}

/** How much of a refused body is drained at least, however small MAX_UPLOAD_BYTES is. */
const MIN_DISCARD_BYTES = 1024 * 1024;

/** Reads and drops the rest of a refused body; past `limit` more bytes, the connection is closed. */
function discardRest(request: IncomingMessage, limit: number): void {
  let discarded = 0;
  request.on('data', (chunk: Buffer) => {
    discarded += chunk.byteLength;
    if (discarded > limit) request.socket.destroy();
  });
  request.resume();
}

/** A limit as people read it: "10 MiB", or the exact bytes when it is no whole MiB. */
function describeBytes(bytes: number): string {
  const mib = 1024 * 1024;
  return bytes % mib === 0 ? `${bytes / mib} MiB` : `${bytes} bytes`;
}

/**
 * The request's body, or null as soon as it passes `limit` bytes (it stops reading there: an
 * oversize body is never held in memory, whatever its Content-Length claimed).
 */
function readCapped(request: IncomingMessage, limit: number): Promise<Uint8Array | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: Uint8Array | null) => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        request.pause();
        chunks.length = 0;
        return finish(null);
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish(new Uint8Array(Buffer.concat(chunks, size)));
    const onError = (error: Error) => {
      request.off('data', onData);
      request.off('end', onEnd);
      reject(error);
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
  });
}
