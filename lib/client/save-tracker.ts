/**
 * Knows whether every local change is durably stored on the server, for the "Saved" indicator
 * and the leave guard. It counts the document messages (sync step 2 and update frames) the
 * provider sends on the current socket and matches them against Tandem's SAVED acks
 * (`[100, N]`: the first N are stored; see lib/protocol/sync-protocol.ts). The connection's
 * state comes from lib/client/connection-state.ts. Works with a stock y-websocket
 * WebsocketProvider in the browser and in Node.
 */
import * as decoding from 'lib0/decoding';
import type { WebsocketProvider } from 'y-websocket';
import { closeCodeInfo } from '../protocol/close-codes';
import { MessageType, SyncMessageType } from '../protocol/sync-protocol';
import { ConnectionStateStore, type SocketClose } from './connection-state';

export type SaveState =
  | { kind: 'connecting' }
  | { kind: 'saving' }
  | { kind: 'saved' }
  /** `unsavedCount`: the person's own changes not yet stored (restored ones are not counted). */
  | { kind: 'offline'; unsavedCount: number }
  | { kind: 'not-saved'; reason: string };

/** Where the count of unsaved changes survives a closed tab (localStorage in the browser). */
export interface UnsavedCountStore {
  load(): number;
  save(count: number): void;
  /** Writes a save that is still held back (see lib/client/unsaved-count-store.ts). */
  flush?(): void;
}

/** The part of a WebSocket the tracker needs; both the DOM's and `ws`'s qualify. */
interface SendingSocket {
  readonly readyState: number;
  send(data: never): void;
}
type SocketClass = new (...args: never[]) => SendingSocket;

/** WebSocket.OPEN, the same in the DOM and in `ws`. */
const SOCKET_OPEN = 1;

interface AttachOptions {
  /** Origins whose doc updates need saving but are not the person's own typing (e.g. the
   *  IndexedDB copy being loaded): they hold back "Saved" without adding to the count. */
  restoredOrigins?: unknown[];
  /** The page's connection state; by default the tracker builds (and later destroys) its own. */
  connection?: ConnectionStateStore;
}

/** Why "Not saved" shows: the close code's text, and whether only a stored change ends it. */
interface Refusal {
  reason: string;
  untilStored: boolean;
}

export class SaveTracker {
  private socket: SendingSocket | null = null;
  /** Document messages sent / acknowledged on the current socket. */
  private sent = 0;
  private acked = 0;
  /** Some local change is not yet known to be stored (read as hasUnsavedChanges). */
  private unsaved: boolean;
  /** Local changes were made while no socket could carry them: the next sync step 2 will. */
  private needsResync: boolean;
  /** The ack count at which every local change sent on this socket is stored. */
  private confirmAt = 0;
  private unsavedCount: number;
  private refusal: Refusal | null = null;
  private provider: WebsocketProvider | null = null;
  private connection: ConnectionStateStore | null = null;
  private detachConnection: (() => void) | null = null;
  private restoredOrigins: unknown[] = [];
  private state: SaveState = { kind: 'connecting' };
  private readonly listeners = new Set<() => void>();

  constructor(private readonly countStore?: UnsavedCountStore) {
    this.unsavedCount = countStore?.load() ?? 0;
    this.unsaved = this.unsavedCount > 0;
    this.needsResync = this.unsaved;
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
    const connection = options.connection ?? new ConnectionStateStore(provider);
    this.connection = connection;
    provider.messageHandlers[MessageType.SAVED] = (_encoder, decoder) => {
      this.onAck(decoding.readVarUint(decoder));
    };
    provider.doc.on('update', this.onDocUpdate);
    const unsubscribe = connection.subscribe(this.refresh);
    connection.on('close', this.onClose);
    connection.on('synced', this.onSynced);
    this.detachConnection = () => {
      unsubscribe();
      connection.off('close', this.onClose);
      connection.off('synced', this.onSynced);
      if (!options.connection) connection.destroy();
    };
    this.refresh();
  }

  /** Stops listening and writes the count if a write is held back. Idempotent. */
  detach(): void {
    const provider = this.provider;
    if (!provider) return;
    this.provider = null;
    provider.doc.off('update', this.onDocUpdate);
    this.detachConnection?.();
    this.detachConnection = null;
    this.connection = null;
    this.countStore?.flush?.();
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
    return this.unsaved;
  }

  private onSocketCreated(socket: SendingSocket): void {
    this.socket = socket;
    this.sent = 0;
    this.acked = 0;
    this.confirmAt = 0;
    this.needsResync = this.unsaved;
  }

  private onSend(socket: SendingSocket, frame: Uint8Array): void {
    if (socket !== this.socket || !isDocumentMessage(frame)) return;
    this.sent += 1;
    // The provider sends an update frame only for a local change (never for one from the
    // server), so every one of them must be acknowledged before "Saved".
    if (frame[1] === SyncMessageType.UPDATE) {
      this.confirmAt = this.sent;
    } else if (this.needsResync) {
      // A sync step 2 carries everything the server lacks, offline changes included.
      this.needsResync = false;
      this.confirmAt = this.sent;
    }
  }

  private onAck(count: number): void {
    this.acked = count;
    if (this.unsaved && !this.needsResync && this.acked >= this.confirmAt) {
      this.unsaved = false;
      this.setUnsavedCount(0);
      if (this.refusal?.untilStored) this.refusal = null;
    }
    this.refresh();
  }

  private readonly onDocUpdate = (_update: Uint8Array, origin: unknown): void => {
    const provider = this.provider;
    if (!provider || origin === provider) return; // from the server (or another tab via it)
    this.unsaved = true;
    if (!this.restoredOrigins.includes(origin)) this.setUnsavedCount(this.unsavedCount + 1);
    // With the socket open, the provider sends this change as an update frame in this same
    // 'update' event, before or after this listener (onSend moves confirmAt to it); with no
    // open socket, nothing carries it until the next connection's sync step 2.
    if (this.socket?.readyState !== SOCKET_OPEN) this.needsResync = true;
    this.refresh();
  };

  private readonly onSynced = (): void => {
    if (!this.refusal?.untilStored || !this.unsaved) this.refusal = null;
    this.refresh();
  };

  private readonly onClose = ({ code }: SocketClose): void => {
    const info = code === null ? undefined : closeCodeInfo(code);
    this.refusal = info?.notSavedBecause
      ? { reason: info.notSavedBecause, untilStored: info.notSavedUntilStored === true }
      : null;
    this.refresh();
  };

  private setUnsavedCount(count: number): void {
    this.unsavedCount = count;
    this.countStore?.save(count);
  }

  private readonly refresh = (): void => {
    const next = this.computeState();
    if (sameSaveState(next, this.state)) return;
    this.state = next;
    for (const listener of this.listeners) listener();
  };

  private computeState(): SaveState {
    const connection = this.connection;
    if (!this.provider || !connection) return { kind: 'connecting' };
    const { phase, failedAttempts } = connection.getState();
    const open = phase === 'syncing' || phase === 'connected';
    const online = phase === 'connected';
    if (this.refusal && (!online || this.refusal.untilStored)) return { kind: 'not-saved', reason: this.refusal.reason };
    if (!open) {
      return failedAttempts > 0 || this.unsaved ? { kind: 'offline', unsavedCount: this.unsavedCount } : { kind: 'connecting' };
    }
    if (!online || this.unsaved) return { kind: 'saving' };
    return { kind: 'saved' };
  }
}

/** Whether two states say the same (the tracker makes a new object at every change). */
export function sameSaveState(a: SaveState, b: SaveState): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'offline') return a.unsavedCount === (b as typeof a).unsavedCount;
  if (a.kind === 'not-saved') return a.reason === (b as typeof a).reason;
  return true;
}

/** Sync step 2 and update frames: the ones that carry document changes. */
function isDocumentMessage(frame: Uint8Array): boolean {
  return (
    frame.length >= 2 &&
    frame[0] === MessageType.SYNC &&
    (frame[1] === SyncMessageType.STEP2 || frame[1] === SyncMessageType.UPDATE)
  );
}
