/**
 * One page's connection state, built from a y-websocket WebsocketProvider's events: the one
 * place that reads the provider's own fields (wsconnected, wsconnecting, synced,
 * shouldConnect, wsUnsuccessfulReconnects). The connection indicator, the viewer's notice, the
 * save tracker and the token keeper all read it: the state through getState/subscribe (for
 * useSyncExternalStore), the socket's edges through on('opening' | 'close' | 'stopped').
 */
import { ObservableV2 } from 'lib0/observable';
import type { WebsocketProvider } from 'y-websocket';
import { closeCodeInfo } from '../protocol/close-codes';

export type ConnectionPhase =
  /** Not asked to connect yet (the page waits for its local copy or a token). */
  | 'idle'
  /** A socket is being opened. */
  | 'connecting'
  /** The socket is open; the first sync has not completed. */
  | 'syncing'
  /** The socket is open and synced. */
  | 'connected'
  /** No socket; the provider retries after its backoff. */
  | 'offline'
  /** The provider stopped after a failed attempt (a final close): nothing retries by itself. */
  | 'ended';

export interface ConnectionState {
  readonly phase: ConnectionPhase;
  /** Connection attempts in a row that ended without a sync; 0 once a socket syncs. */
  readonly failedAttempts: number;
  /** The code of the final close (see shouldReconnect) while the provider stays stopped. */
  readonly terminalClose: number | null;
  /** The socket is open and its first sync completed. */
  readonly synced: boolean;
}

/** A socket closed: `code` is the server's close code, or null when it was closed locally. */
export interface SocketClose {
  code: number | null;
}

interface ConnectionEvents {
  /** A new socket is being opened (built from the provider's params as they are now). */
  opening: () => void;
  /** The current socket closed; the provider has not yet decided whether to retry. */
  close: (close: SocketClose) => void;
  /** The provider stopped for good after a close with this code (it will not retry). */
  stopped: (code: number) => void;
  /** The socket completed its first sync. */
  synced: () => void;
}

/** The provider's events and fields the store reads. */
export type WatchedProvider = Pick<
  WebsocketProvider,
  'on' | 'off' | 'wsconnected' | 'wsconnecting' | 'synced' | 'shouldConnect' | 'wsUnsuccessfulReconnects'
>;

/**
 * The providers' reconnect rule, from lib/protocol/close-codes.ts: a code the table marks not
 * retryable is final; codes it lacks follow the stock rule (4400–4499 final).
 */
export function shouldReconnect(event: { code: number }): boolean {
  return closeCodeInfo(event.code)?.retryable ?? !(event.code >= 4400 && event.code < 4500);
}

export class ConnectionStateStore extends ObservableV2<ConnectionEvents> {
  private state: ConnectionState;
  private terminalClose: number | null = null;
  private readonly listeners = new Set<() => void>();
  private destroyed = false;

  constructor(private readonly provider: WatchedProvider) {
    super();
    this.state = this.read();
    provider.on('status', this.onStatus);
    provider.on('sync', this.onSync);
    provider.on('connection-close', this.onConnectionClose);
    provider.on('connection-error', this.refresh);
    provider.on('closed', this.onClosed);
  }

  /** The current state; the same object until something changes (for useSyncExternalStore). */
  getState = (): ConnectionState => this.state;

  /** Calls `listener` whenever the state changes; returns the unsubscribe. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Stops listening to the provider and drops every listener. Idempotent. */
  override destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.provider.off('status', this.onStatus);
    this.provider.off('sync', this.onSync);
    this.provider.off('connection-close', this.onConnectionClose);
    this.provider.off('connection-error', this.refresh);
    this.provider.off('closed', this.onClosed);
    this.listeners.clear();
    super.destroy();
  }

  private readonly onStatus = ({ status }: { status: string }): void => {
    // A new attempt: whatever ended the last one no longer holds.
    if (status === 'connecting') this.terminalClose = null;
    this.refresh();
    if (status === 'connecting') this.emit('opening', []);
  };

  private readonly onSync = (isSynced: boolean): void => {
    this.refresh();
    if (isSynced) this.emit('synced', []);
  };

  private readonly onConnectionClose = (event: { code: number } | null): void => {
    this.refresh();
    this.emit('close', [{ code: event?.code ?? null }]);
    // The provider emits this before it drops the socket, counts the failed attempt and
    // decides whether to retry: read its fields again once it has.
    queueMicrotask(this.refresh);
  };

  private readonly onClosed = ({ code }: { code: number }): void => {
    this.terminalClose = code;
    // Edge first: a listener may reconnect at once (the token keeper after 4401), and its
    // 'connecting' clears the terminal close again, so the state never shows this as an end.
    this.emit('stopped', [code]);
    this.refresh();
  };

  private readonly refresh = (): void => {
    if (this.destroyed) return;
    const next = this.read();
    const current = this.state;
    if (
      next.phase === current.phase &&
      next.failedAttempts === current.failedAttempts &&
      next.terminalClose === current.terminalClose &&
      next.synced === current.synced
    ) {
      return;
    }
    this.state = next;
    for (const listener of this.listeners) listener();
  };

  private read(): ConnectionState {
    const provider = this.provider;
    const failedAttempts = provider.wsUnsuccessfulReconnects;
    const synced = provider.wsconnected && provider.synced;
    return {
      phase: phaseOf(provider),
      failedAttempts,
      terminalClose: provider.shouldConnect ? null : this.terminalClose,
      synced,
    };
  }
}

function phaseOf(provider: WatchedProvider): ConnectionPhase {
  // The provider counts a final close as a failed attempt before it stops, so the count tells
  // "stopped after a failure" from "not started yet".
  if (!provider.shouldConnect) return provider.wsUnsuccessfulReconnects > 0 ? 'ended' : 'idle';
  if (provider.wsconnected) return provider.synced ? 'connected' : 'syncing';
  if (provider.wsconnecting) return 'connecting';
  return 'offline';
}
