/**
 * A lean load-generation client that speaks the y-websocket protocol (Tandem, the reference
 * server) or Hocuspocus' framing of it (every frame prefixed by the document name, an auth
 * message first). It holds no Y.Doc: it answers the server's sync step 1 with an empty step 2,
 * sends pre-computed updates, and reports every (client, clock) a received update carries (a
 * server may merge several keystrokes into one frame), so the load generator costs the same
 * against every server and measures the server.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as Y from 'yjs';

export type Dialect = 'y-websocket' | 'hocuspocus';

/** Where and how to reach one server's room. */
export interface Endpoint {
  dialect: Dialect;
  /** ws://host:port, no trailing slash. */
  origin: string;
  /** URL path before the room name: `/sync` for Tandem, `` for y-websocket, unused for Hocuspocus. */
  roomPath: string;
}

/** Tandem's SAVED acknowledgement, asked for with `?acks=1` (see README). */
const TANDEM_SAVED = 100;
/** Hocuspocus' per-update acknowledgement ("SyncStatus"), sent to the sender of every update. */
const HOCUSPOCUS_SYNC_STATUS = 8;

const MESSAGE_SYNC = 0;
const MESSAGE_AUTH = 2;
/** Hocuspocus' reply variant of a sync message (its step 2 answers arrive as type 4). */
const HOCUSPOCUS_SYNC_REPLY = 4;
const STEP1 = 0;
const STEP2 = 1;
const UPDATE = 2;
const EMPTY_STATE_VECTOR = Uint8Array.of(0);
const EMPTY_UPDATE = Uint8Array.of(0, 0);

/** Monotonic milliseconds, comparable across processes on one machine (CLOCK_MONOTONIC). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** A unique number for (Yjs client id, clock), the identity of one keystroke update. */
export function updateKey(client: number, clock: number): number {
  return client * 2 ** 24 + clock;
}

/**
 * Calls `each` for every (client, clock) a V1 update inserts. Keystrokes are one clock each,
 * so this names every keystroke in a frame, however the server merged them.
 */
export function forEachInsertedId(update: Uint8Array, each: (client: number, clock: number) => void): void {
  const { from, to } = Y.parseUpdateMeta(update);
  for (const [client, first] of from) {
    const end = to.get(client) ?? first;
    for (let clock = first; clock < end; clock++) each(client, clock);
  }
}

export interface WireClientHandlers {
  /** A live update arrived (not the sync step 2): called for each (client, clock) it inserts. */
  onUpdate?(client: number, clock: number, atMs: number): void;
  /** Any update frame arrived, however many structs it holds. */
  onUpdateFrame?(): void;
  /** Tandem said the first `count` document messages we sent are stored (needs `savedAcks`). */
  onSaved?(count: number): void;
  /** Hocuspocus acknowledged one document message. */
  onSyncStatus?(): void;
}

export interface WireClientOptions {
  /** Ask Tandem for SAVED acknowledgements (`?acks=1`). */
  savedAcks?: boolean;
}

export class WireClient {
  /** When the answer to our sync step 1 arrived (monotonic ms), and its size. */
  syncedAtMs: number | null = null;
  syncBytes = 0;
  readonly openedAtMs: number;
  private readonly socket: WebSocket;
  private readonly synced: Promise<void>;
  private readonly closed: Promise<void>;
  private readonly prefix: Uint8Array;

  constructor(
    private readonly endpoint: Endpoint,
    readonly room: string,
    private readonly handlers: WireClientHandlers = {},
    options: WireClientOptions = {},
  ) {
    this.openedAtMs = monotonicMs();
    const url =
      endpoint.dialect === 'hocuspocus'
        ? `${endpoint.origin}/`
        : `${endpoint.origin}${endpoint.roomPath}/${room}${options.savedAcks ? '?acks=1' : ''}`;
    this.socket = new WebSocket(url, { perMessageDeflate: false });
    this.socket.binaryType = 'nodebuffer';
    const prefixEncoder = encoding.createEncoder();
    if (endpoint.dialect === 'hocuspocus') encoding.writeVarString(prefixEncoder, room);
    this.prefix = encoding.toUint8Array(prefixEncoder);
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
    this.synced = new Promise((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.once('close', (code) => reject(new Error(`closed (${code}) before sync: ${room}`)));
      this.socket.on('message', (data: Buffer) => {
        if (this.onMessage(data)) resolve();
      });
      this.socket.once('open', () => {
        if (endpoint.dialect === 'hocuspocus') {
          // Hocuspocus queues everything until the (here empty) token has been accepted.
          const auth = this.frame();
          encoding.writeVarUint(auth, MESSAGE_AUTH);
          encoding.writeVarUint(auth, 0); // token
          encoding.writeVarString(auth, '');
          this.socket.send(encoding.toUint8Array(auth));
        }
        this.sendSync(STEP1, EMPTY_STATE_VECTOR);
      });
    });
    this.synced.catch(() => undefined);
  }

  /** Resolves once the server has answered our sync step 1 (we hold the whole document). */
  whenSynced(): Promise<void> {
    return this.synced;
  }

  /** Sends one document update. */
  sendUpdate(update: Uint8Array): void {
    this.sendSync(UPDATE, update);
  }

  /** Bytes queued in the socket but not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  /** Closes the socket and resolves once it is closed. */
  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    this.socket.close();
    await Promise.race([this.closed, new Promise((resolve) => setTimeout(resolve, 2_000))]);
    this.socket.terminate();
  }

  private frame(): encoding.Encoder {
    const encoder = encoding.createEncoder();
    encoding.writeUint8Array(encoder, this.prefix);
    return encoder;
  }

  private sendSync(syncType: number, payload: Uint8Array): void {
    const encoder = this.frame();
    encoding.writeVarUint(encoder, MESSAGE_SYNC);
    encoding.writeVarUint(encoder, syncType);
    encoding.writeVarUint8Array(encoder, payload);
    this.socket.send(encoding.toUint8Array(encoder));
  }

  /** Handles one frame; returns true when it completed the initial sync. */
  private onMessage(data: Buffer): boolean {
    const atMs = monotonicMs();
    const decoder = decoding.createDecoder(data);
    if (this.endpoint.dialect === 'hocuspocus') decoding.readVarString(decoder);
    const type = decoding.readVarUint(decoder);
    if (type === TANDEM_SAVED && this.endpoint.dialect === 'y-websocket') {
      this.handlers.onSaved?.(decoding.readVarUint(decoder));
      return false;
    }
    if (type === HOCUSPOCUS_SYNC_STATUS && this.endpoint.dialect === 'hocuspocus') {
      this.handlers.onSyncStatus?.();
      return false;
    }
    if (type !== MESSAGE_SYNC && type !== HOCUSPOCUS_SYNC_REPLY) return false;
    const syncType = decoding.readVarUint(decoder);
    if (syncType === STEP1) {
      // The server asks what we have that it lacks: nothing.
      this.sendSync(STEP2, EMPTY_UPDATE);
      return false;
    }
    if (syncType === STEP2) {
      if (this.syncedAtMs !== null) return false;
      this.syncedAtMs = atMs;
      this.syncBytes = data.byteLength;
      return true;
    }
    if (syncType === UPDATE) {
      this.handlers.onUpdateFrame?.();
      if (this.handlers.onUpdate) {
        const update = decoding.readVarUint8Array(decoder);
        if (update.byteLength === 0) return false;
        const onUpdate = this.handlers.onUpdate;
        forEachInsertedId(update, (client, clock) => onUpdate(client, clock, atMs));
      }
    }
    return false;
  }
}

/** Connects `count` clients with at most `parallel` handshakes in flight; resolves when all synced. */
export async function connectAll<T>(items: T[], parallel: number, connect: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(parallel, items.length) }, async () => {
    while (next < items.length) await connect(items[next++]);
  });
  await Promise.all(lanes);
}
