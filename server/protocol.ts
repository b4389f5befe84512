/**
 * The y-websocket wire format: decoding a client frame into a typed message (or a
 * ProtocolError), and encoding the frames the server sends. Pure functions, no sockets.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as string from 'lib0/string';
import * as Y from 'yjs';
import { MessageType, SyncMessageType } from '../lib/protocol/sync-protocol';
import type { DecodedUpdate } from './document-guard';

/** A frame that is not a well-formed message Tandem accepts. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

/** A presence state longer than MAX_PRESENCE_STATE_BYTES, refused before it is parsed. */
export class PresenceTooLargeError extends ProtocolError {
  override name = 'PresenceTooLargeError';
}

/** What decoding a client frame may cost: limits checked before the expensive step. */
export interface DecodeLimits {
  /** Longest JSON text of one presence state (MAX_PRESENCE_STATE_BYTES). */
  maxPresenceStateBytes: number;
  /** Most entries one presence update may hold (read before any is parsed). */
  maxPresenceEntries: number;
}

const NO_LIMITS: DecodeLimits = { maxPresenceStateBytes: Infinity, maxPresenceEntries: Infinity };

/** One entry of an awareness update: whose presence, at which clock, and its parsed state. */
export interface AwarenessEntry {
  clientId: number;
  /** Any non-negative number, maybe past 2^53: judging clocks is the room's business. */
  clock: number;
  /** The parsed JSON state; null removes the client's presence. */
  state: unknown;
  /** Bytes of the state's JSON text as received (what the room's presence total counts). */
  bytes?: number;
}

export type ClientMessage =
  | { kind: 'sync-step1'; stateVector: Uint8Array }
  | { kind: 'sync-step2'; update: Uint8Array; empty: boolean; decoded: DecodedUpdate }
  | { kind: 'sync-update'; update: Uint8Array; empty: boolean; decoded: DecodedUpdate }
  | { kind: 'awareness'; update: Uint8Array; entries: AwarenessEntry[] }
  | { kind: 'query-awareness' };

/**
 * Decodes one client frame. Throws ProtocolError for truncated frames, unknown types,
 * bytes after the message, and payloads Yjs cannot decode as updates / state vectors /
 * awareness, so nothing undecodable ever reaches a document or storage. (Yjs itself ignores
 * bytes after a decodable update; so do we, as the frame size limit bounds them.)
 */
export function decodeClientMessage(frame: Uint8Array, limits: DecodeLimits = NO_LIMITS): ClientMessage {
  try {
    const decoder = decoding.createDecoder(frame);
    const message = readMessage(decoder, limits);
    if (decoding.hasContent(decoder)) throw new ProtocolError('trailing bytes after message');
    return message;
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    throw new ProtocolError(`undecodable frame: ${(error as Error).message}`);
  }
}

/**
 * Which document message a frame is (sync step 2 or update), read from its two type varuints
 * alone, and whether its update is the empty one (`[0, 0]`: no structs, no deletions); null
 * for every other frame. Lets the server drop a viewer's writes without decoding them
 * (security review M1): a full decode of a 1 MiB update costs over 100 ms.
 */
export function peekDocumentMessage(frame: Uint8Array): { kind: 'sync-step2' | 'sync-update'; empty: boolean } | null {
  const decoder = decoding.createDecoder(frame);
  let syncType: number;
  try {
    // lib0's own reader, so a varuint written in more bytes than needed is read as the decoder would.
    if (decoding.readVarUint(decoder) !== MessageType.SYNC) return null;
    syncType = decoding.readVarUint(decoder);
  } catch {
    // Too short to name its type: not a document message; decodeClientMessage refuses it.
    return null;
  }
  if (syncType !== SyncMessageType.STEP2 && syncType !== SyncMessageType.UPDATE) return null;
  const rest = frame.subarray(decoder.pos);
  const empty = rest.byteLength === 3 && rest[0] === 2 && rest[1] === 0 && rest[2] === 0;
  return { kind: syncType === SyncMessageType.STEP2 ? 'sync-step2' : 'sync-update', empty };
}

function readMessage(decoder: decoding.Decoder, limits: DecodeLimits): ClientMessage {
  const type = decoding.readVarUint(decoder);
  switch (type) {
    case MessageType.SYNC: {
      const syncType = decoding.readVarUint(decoder);
      const payload = decoding.readVarUint8Array(decoder);
      switch (syncType) {
        case SyncMessageType.STEP1:
          assertStateVector(payload);
          return { kind: 'sync-step1', stateVector: payload };
        case SyncMessageType.STEP2:
          return { kind: 'sync-step2', update: payload, ...readDocumentUpdate(payload) };
        case SyncMessageType.UPDATE:
          return { kind: 'sync-update', update: payload, ...readDocumentUpdate(payload) };
        default:
          throw new ProtocolError(`unknown sync message type ${syncType}`);
      }
    }
    case MessageType.AWARENESS: {
      const update = decoding.readVarUint8Array(decoder);
      return { kind: 'awareness', update, entries: readAwarenessEntries(update, limits.maxPresenceStateBytes, limits.maxPresenceEntries) };
    }
    case MessageType.QUERY_AWARENESS:
      return { kind: 'query-awareness' };
    default:
      throw new ProtocolError(`unknown message type ${type}`);
  }
}

function assertStateVector(payload: Uint8Array): void {
  for (const [client, clock] of Y.decodeStateVector(payload)) {
    if (!Number.isSafeInteger(client) || !Number.isSafeInteger(clock)) throw new ProtocolError('state vector out of range');
  }
}

/**
 * Yjs' own decoder reads every struct and delete set and throws on anything malformed. Returns
 * the decoded update (the room checks it against the document before applying it) and whether
 * it adds nothing (no structs, no deletions): not worth storing.
 */
function readDocumentUpdate(update: Uint8Array): { empty: boolean; decoded: DecodedUpdate } {
  const decoded = Y.decodeUpdate(update);
  const { structs, ds } = decoded;
  // Zero-length structs and ranges, and ids past 2^53, decode but break Yjs later (a doc that
  // throws on apply, or a snapshot that never loads again): no real client makes them.
  for (const struct of structs) {
    if (struct.length < 1 || !isSafeRange(struct.id.client, struct.id.clock, struct.length)) {
      throw new ProtocolError('update holds an empty or out-of-range struct');
    }
  }
  for (const [client, ranges] of ds.clients) {
    for (const range of ranges) {
      if (range.len < 1 || !isSafeRange(client, range.clock, range.len)) {
        throw new ProtocolError('update holds an empty or out-of-range deletion');
      }
    }
  }
  return { empty: structs.length === 0 && ds.clients.size === 0, decoded };
}

function isSafeRange(client: number, clock: number, length: number): boolean {
  return Number.isSafeInteger(client) && Number.isSafeInteger(clock + length);
}

/**
 * Reads an awareness update, laid out as y-protocols encodes it: [count, (clientID, clock, JSON
 * state)*]. Throws ProtocolError for anything else, and PresenceTooLargeError for a state whose
 * JSON is longer than `maxStateBytes`, before parsing it (security review H11: parsing and
 * holding megabyte states is what exhausted the server). A clock is never refused here: a stock
 * client can be pushed to any clock (security review H1), so the room drops what it doubts.
 */
export function readAwarenessEntries(update: Uint8Array, maxStateBytes = Infinity, maxEntries = Infinity): AwarenessEntry[] {
  const decoder = decoding.createDecoder(update);
  const count = decoding.readVarUint(decoder);
  // Checked before anything is parsed: 130,000 made-up ids in one frame cost a JSON parse each.
  if (count > maxEntries) throw new PresenceTooLargeError(`presence update of ${count} entries is over ${maxEntries}`);
  const entries: AwarenessEntry[] = [];
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder);
    const clock = decoding.readVarUint(decoder);
    // Stock ids are Yjs client ids (32-bit): a larger one is not from a y-websocket client.
    if (!Number.isSafeInteger(clientId)) throw new ProtocolError('awareness client id out of range');
    const json = decoding.readVarUint8Array(decoder);
    if (json.byteLength > maxStateBytes) {
      throw new PresenceTooLargeError(`presence state of ${json.byteLength} bytes is over ${maxStateBytes}`);
    }
    const state: unknown = JSON.parse(string.decodeUtf8(json));
    assertShallow(state);
    entries.push({ clientId, clock, state, bytes: json.byteLength });
  }
  if (decoding.hasContent(decoder)) throw new ProtocolError('trailing bytes in awareness update');
  return entries;
}

/** An awareness update holding exactly `entries`, laid out as y-protocols encodes one. */
export function encodeAwarenessEntries(entries: AwarenessEntry[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const { clientId, clock, state } of entries) {
    encoding.writeVarUint(encoder, clientId);
    encoding.writeVarUint(encoder, clock);
    encoding.writeVarString(encoder, JSON.stringify(state));
  }
  return encoding.toUint8Array(encoder);
}

/** Deepest JSON nesting accepted in presence; deeper would overflow the stack when relayed. */
const MAX_PRESENCE_DEPTH = 32;

function assertShallow(value: unknown): void {
  let level: unknown[] = [value];
  for (let depth = 0; level.length > 0; depth++) {
    if (depth > MAX_PRESENCE_DEPTH) throw new ProtocolError('presence state nested too deeply');
    level = level.flatMap((item) => (item !== null && typeof item === 'object' ? Object.values(item) : []));
  }
}

function encodeSync(syncType: number, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.SYNC);
  encoding.writeVarUint(encoder, syncType);
  encoding.writeVarUint8Array(encoder, payload);
  return encoding.toUint8Array(encoder);
}

/** Sync step 1: "here is my state vector, send me what I lack". */
export const encodeSyncStep1 = (stateVector: Uint8Array) => encodeSync(SyncMessageType.STEP1, stateVector);
/** Sync step 2: the answer to a step 1, holding what the peer lacks. */
export const encodeSyncStep2 = (update: Uint8Array) => encodeSync(SyncMessageType.STEP2, update);
/** A live document update. */
export const encodeSyncUpdate = (update: Uint8Array) => encodeSync(SyncMessageType.UPDATE, update);

/** An awareness (presence) update frame. */
export function encodeAwareness(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.AWARENESS);
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}

/** Tandem's durable acknowledgement: the first `count` document messages are stored. */
export function encodeSaved(count: number): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.SAVED);
  encoding.writeVarUint(encoder, count);
  return encoding.toUint8Array(encoder);
}

/** y-websocket's auth message "permission denied": the client is read-only here. */
export function encodePermissionDenied(reason: string): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.AUTH);
  encoding.writeVarUint(encoder, 0); // y-protocols/auth messagePermissionDenied
  encoding.writeVarString(encoder, reason);
  return encoding.toUint8Array(encoder);
}
