/**
 * Knows whether every local change is durably stored on the server, for the "Saved" indicator
 * and the leave guard. It counts the document messages (sync step 2 and update frames) the
 * provider sends on the current socket and matches them against Tandem's SAVED acks
 * (`[100, N]`: the first N are stored; see lib/protocol/sync-protocol.ts). Works with a stock
 * y-websocket WebsocketProvider in the browser and in Node.
 */
import * as decoding from 'lib0/decoding';
import type { WebsocketProvider } from 'y-websocket';
import { CloseCode } from '../protocol/close-codes';
import { MessageType, SyncMessageType } from '../protocol/sync-protocol';

export type SaveState =
  | { kind: 'connecting' }
  | { kind: 'saving' }
  | { kind: 'saved' }
  | { kind: 'offline'; unsavedChanges: number }
  | { kind: 'not-saved'; reason: string };

/** Where the count of unsaved changes survives a closed tab (localStorage in the browser). */
export interface UnsavedCountStore {
  load(): number;
  save(count: number): void;
}

/** The part of a WebSocket the tracker needs; both the DOM's and `ws`'s qualify. */
interface SendingSocket {
  send(data: never): void;
}
type SocketClass = new (...args: never[]) => SendingSocket;

interface AttachOptions {
  /** Origins whose doc updates need saving but are not the person's own typing (e.g. the
   *  IndexedDB copy being loaded): they hold back "Saved" without adding to the count. */
  restoredOrigins?: unknown[];
}

/** Why the server refused us, by close code; absent codes are ordinary disconnects. */
const REFUSALS: Partial<Record<number, string>> = {
  [CloseCode.ROOM_UNAVAILABLE]: 'the server cannot open this document right now; retrying',
  [CloseCode.MESSAGE_TOO_BIG]: 'a change is too large for the server',
  [CloseCode.MALFORMED_MESSAGE]: 'the server rejected a message from this editor',
  [CloseCode.DOCUMENT_TOO_LARGE]: 'the document has reached the server’s size limit',
  [CloseCode.RATE_LIMITED]: 'changes arrived faster than the server accepts; reload to continue',
  [CloseCode.SERVER_BUSY]: 'the server is busy; retrying',
  [CloseCode.ROOM_FULL]: 'too many people are in this document; retrying',
  [CloseCode.STORAGE_UNAVAILABLE]: 'the server cannot store changes; they are kept on this device, retrying',
  [CloseCode.STORAGE_FULL]: 'the server’s storage is full; changes are kept on this device, retrying',
  [CloseCode.SEND_BUFFER_FULL]: 'the connection is too slow; reconnecting',
  [CloseCode.MESSAGE_TIMEOUT]: 'a change took too long to send; retrying',
  [CloseCode.TOO_MANY_CONNECTIONS]: 'too many open documents from this network; retrying',
};

/**
 * Refusals that only a stored change ends: after them a reconnect and sync prove nothing (the
 * server may accept the socket and still be unable to store), so "Not saved" stays until the
 * server acknowledges what was waiting.
 */
const UNTIL_STORED: ReadonlySet<number> = new Set([CloseCode.STORAGE_UNAVAILABLE, CloseCode.STORAGE_FULL]);

export class SaveTracker {
  private socket: SendingSocket | null = null;
  /** Document messages sent / acknowledged on the current socket. */
  private sent = 0;
  private acked = 0;
  /** Some local change is not yet known to be stored. */
  private unconfirmed: boolean;
  /** Local changes were made while no socket could carry them: the next sync step 2 will. */
  private needsResync: boolean;
  /** The ack count at which every unconfirmed change is stored. */
  private confirmAt = 0;
  private unsavedChanges: number;
  private refusal: string | null = null;
  /** The refusal is one of UNTIL_STORED: it holds while a local change is unconfirmed. */
  private refusalUntilStored = false;
  private hasFailedToConnect = false;
  private provider: WebsocketProvider | null = null;
  private restoredOrigins: unknown[] = [];
  private state: SaveState = { kind: 'connecting' };
  private readonly listeners = new Set<() => void>();

  constructor(private readonly countStore?: UnsavedCountStore) {
    this.unsavedChanges = countStore?.load() ?? 0;
    this.unconfirmed = this.unsavedChanges > 0;
    this.needsResync = this.unconfirmed;
  }

  /** Wraps the WebSocket class the provider will use, so every sent frame is seen here. */
  webSocketClass<T extends SocketClass>(Base: T): T {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the subclass reports back to this tracker
    const tracker = this;
    const Counting = class extends (Base as SocketClass) {
      constructor(...args: never[]) {
        super(...args);
        tracker.onSocketCreated(this);
      }
      override send(data: never): void {
        tracker.onSend(this, data as unknown as Uint8Array);
        super.send(data);
      }
    };
    return Counting as T;
  }

  /** Starts tracking `provider` (created with `webSocketClass` and `params: { acks: '1' }`). */
  attach(provider: WebsocketProvider, options: AttachOptions = {}): void {
    this.provider = provider;
    this.restoredOrigins = options.restoredOrigins ?? [];
    provider.messageHandlers[MessageType.SAVED] = (_encoder, decoder) => {
      this.onAck(decoding.readVarUint(decoder));
    };
    provider.doc.on('update', this.onDocUpdate);
    provider.on('status', this.refresh);
    provider.on('sync', this.onSync);
    provider.on('connection-close', this.onClose);
    provider.on('connection-error', this.onConnectionError);
    this.refresh();
  }

  /** Stops listening. Idempotent. */
  detach(): void {
    const provider = this.provider;
    if (!provider) return;
    this.provider = null;
    provider.doc.off('update', this.onDocUpdate);
    provider.off('status', this.refresh);
    provider.off('sync', this.onSync);
    provider.off('connection-close', this.onClose);
    provider.off('connection-error', this.onConnectionError);
    this.listeners.clear();
  }

  /** The current state; the same object until something changes (for useSyncExternalStore). */
  getState = (): SaveState => this.state;

  /** Calls `listener` whenever the state changes; returns the unsubscribe. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** True while some local change is not known to be stored (the leave guard's question). */
  get hasUnsavedChanges(): boolean {
    return this.unconfirmed;
  }

  private onSocketCreated(socket: SendingSocket): void {
    this.socket = socket;
    this.sent = 0;
    this.acked = 0;
    this.confirmAt = 0;
    this.needsResync = this.unconfirmed;
  }

  private onSend(socket: SendingSocket, frame: Uint8Array): void {
    if (socket !== this.socket || !isDocumentMessage(frame)) return;
    this.sent += 1;
    // A sync step 2 carries everything the server lacks, offline changes included.
    if (this.needsResync && frame[1] === SyncMessageType.STEP2) {
      this.needsResync = false;
      this.confirmAt = this.sent;
    }
  }

  private onAck(count: number): void {
    this.acked = count;
    if (this.unconfirmed && !this.needsResync && this.acked >= this.confirmAt) {
      this.unconfirmed = false;
      this.setUnsavedChanges(0);
      if (this.refusalUntilStored) this.clearRefusal();
    }
    this.refresh();
  }

  private readonly onDocUpdate = (_update: Uint8Array, origin: unknown): void => {
    const provider = this.provider;
    if (!provider || origin === provider) return; // from the server (or another tab via it)
    this.unconfirmed = true;
    if (!this.restoredOrigins.includes(origin)) this.setUnsavedChanges(this.unsavedChanges + 1);
    // The provider's own update listener ran first: if connected, the change just went out.
    if (provider.wsconnected) this.confirmAt = this.sent;
    else this.needsResync = true;
    this.refresh();
  };

  private readonly onSync = (): void => {
    if (this.provider?.synced) {
      if (!this.refusalUntilStored || !this.unconfirmed) this.clearRefusal();
      this.hasFailedToConnect = false;
    }
    this.refresh();
  };

  private readonly onClose = (event: { code: number } | null): void => {
    this.hasFailedToConnect = true;
    this.refusal = (event && REFUSALS[event.code]) ?? null;
    this.refusalUntilStored = this.refusal !== null && UNTIL_STORED.has(event!.code);
    this.refresh();
  };

  private readonly onConnectionError = (): void => {
    this.hasFailedToConnect = true;
    this.refresh();
  };

  private clearRefusal(): void {
    this.refusal = null;
    this.refusalUntilStored = false;
  }

  private setUnsavedChanges(count: number): void {
    this.unsavedChanges = count;
    this.countStore?.save(count);
  }

  private readonly refresh = (): void => {
    const next = this.computeState();
    if (JSON.stringify(next) === JSON.stringify(this.state)) return;
    this.state = next;
    for (const listener of this.listeners) listener();
  };

  private computeState(): SaveState {
    const provider = this.provider;
    if (!provider) return { kind: 'connecting' };
    const online = provider.wsconnected && provider.synced;
    if (this.refusal && (!online || this.refusalUntilStored)) return { kind: 'not-saved', reason: this.refusal };
    if (!provider.wsconnected) {
      return this.hasFailedToConnect || this.unconfirmed
        ? { kind: 'offline', unsavedChanges: this.unsavedChanges }
        : { kind: 'connecting' };
    }
    if (!provider.synced || this.unconfirmed) return { kind: 'saving' };
    return { kind: 'saved' };
  }
}

/** Sync step 2 and update frames: the ones that carry document changes. */
function isDocumentMessage(frame: Uint8Array): boolean {
  return (
    frame.length >= 2 &&
    frame[0] === MessageType.SYNC &&
    (frame[1] === SyncMessageType.STEP2 || frame[1] === SyncMessageType.UPDATE)
  );
}
