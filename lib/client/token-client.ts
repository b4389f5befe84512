/**
 * Token mode in the browser (server env AUTH_SECRET set): every socket carries
 * `?token=<JWT>`, and tokens are short-lived. A TokenKeeper fetches a token before the first
 * connection, refreshes it at 80% of its life so any reconnect carries a valid one, and when the
 * server closes the socket with 4401 (the token it connected with expired; the stock provider
 * then stops retrying) reconnects with a fresh one. The editor and the viewer both use it; the
 * share dialog asks it for the current token to authorize API calls.
 */
import type { WebsocketProvider } from 'y-websocket';
import { ApiError } from './api-client';
import type { ConnectionStateStore } from './connection-state';
import type { TokenResponse } from '../protocol/api-routes';
import { CloseCode } from '../protocol/close-codes';
import { TOKEN_PARAM } from '../protocol/sync-protocol';

/** Whether this page holds a usable token, for the UI. */
export type TokenState =
  | { kind: 'fetching' }
  | { kind: 'valid' }
  /** No usable token, and the last attempt failed for a reason that may pass (network, 5xx). */
  | { kind: 'retrying'; reason: string }
  /** The server will not issue a token (4xx): retrying cannot help. */
  | { kind: 'refused'; status: number; reason: string };

/** Fraction of a token's life after which it is replaced. */
export const TOKEN_REFRESH_AT = 0.8;
/** A token closer than this to its expiry is not worth connecting with. */
export const TOKEN_EXPIRY_MARGIN_MS = 5_000;
/** Backoff between failed token requests: doubles from the first delay up to the maximum. */
export const TOKEN_RETRY_FIRST_DELAY_MS = 1_000;
export const TOKEN_RETRY_MAX_DELAY_MS = 30_000;

interface HeldToken {
  token: string;
  /** Local clock, epoch ms. */
  expiresAt: number;
}

/** The part of a WebsocketProvider the keeper drives. */
type AuthorizedProvider = Pick<WebsocketProvider, 'params' | 'connect'>;
/** The connection's edges the keeper follows (lib/client/connection-state.ts). */
type ConnectionEdges = Pick<ConnectionStateStore, 'on' | 'off'>;

/** Keeps one page's token valid; see the module comment. */
export class TokenKeeper {
  private held: HeldToken | null = null;
  private pending: Promise<string> | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private wakeRetry: (() => void) | null = null;
  private state: TokenState = { kind: 'fetching' };
  private readonly listeners = new Set<() => void>();
  private provider: AuthorizedProvider | null = null;
  /** The token the provider's current socket was opened with. */
  private socketToken: string | undefined;
  private detachProvider: (() => void) | null = null;
  private destroyed = false;

  /** `requestToken` asks the server for a token (see lib/client/api-client.ts requestToken). */
  constructor(private readonly requestToken: () => Promise<TokenResponse>) {}

  /** The current state; the same object until it changes (for useSyncExternalStore). */
  getState = (): TokenState => this.state;

  /** Calls `listener` whenever the state changes; returns the unsubscribe. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** A token with life left in it, fetched first if needed; rejects if the server refuses one. */
  getToken(): Promise<string> {
    if (this.held && this.hasFreshToken()) return Promise.resolve(this.held.token);
    return this.renew();
  }

  /**
   * Keeps `provider.params.token` valid from now on and reconnects after a 4401 close, which
   * it learns of from `connection` (the provider's connection state). Resolves once the first
   * token is in place (connect after that); rejects if refused.
   */
  attach(provider: AuthorizedProvider, connection: ConnectionEdges): Promise<void> {
    this.detachProvider?.();
    this.provider = provider;
    const onOpening = () => {
      // The socket was just created from provider.url, i.e. with the token in params now.
      this.socketToken = provider.params[TOKEN_PARAM];
    };
    const onConnectionClose = () => {
      // A tab that slept past its refresh time: renew now, so the provider's retries (which
      // reuse params) stop presenting an expired token.
      if (!this.hasFreshToken()) this.renew().catch(reportedThroughState);
    };
    const onStopped = (code: number) => {
      if (code !== CloseCode.TOKEN_EXPIRED) return;
      // The refresh usually put a newer token in place already: reconnect synchronously, so
      // the page never shows a refusal. Otherwise (the socket's own token is the newest one, or
      // the tab slept) fetch a new one first, even if our clock thinks it is still fresh.
      if (provider.params[TOKEN_PARAM] !== this.socketToken && this.hasFreshToken()) {
        provider.connect();
        return;
      }
      this.renew().then(() => {
        if (!this.destroyed) provider.connect();
      }, reportedThroughState);
    };
    connection.on('opening', onOpening);
    connection.on('close', onConnectionClose);
    connection.on('stopped', onStopped);
    this.detachProvider = () => {
      connection.off('opening', onOpening);
      connection.off('close', onConnectionClose);
      connection.off('stopped', onStopped);
    };
    return this.getToken().then((token) => {
      provider.params = { ...provider.params, [TOKEN_PARAM]: token };
    });
  }

  /** Stops timers, retries and provider listeners; idempotent. */
  destroy(): void {
    this.destroyed = true;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
    this.wakeRetry?.();
    this.detachProvider?.();
    this.detachProvider = null;
    this.provider = null;
    this.listeners.clear();
  }

  /** Fetches a new token now (one request at a time, retried with backoff until issued). */
  private renew(): Promise<string> {
    this.pending ??= this.fetchUntilIssued().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  private async fetchUntilIssued(): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      if (this.destroyed) throw new Error('the token keeper was destroyed');
      let response: TokenResponse;
      try {
        response = await this.requestToken();
      } catch (error) {
        const failure = error instanceof ApiError ? error : new ApiError(0, (error as Error).message);
        if (failure.isRefusal) {
          this.setState({ kind: 'refused', status: failure.status, reason: failure.message });
          throw failure;
        }
        // A still-valid token keeps working meanwhile; only say so when there is none.
        if (!this.hasFreshToken()) this.setState({ kind: 'retrying', reason: failure.message });
        await this.pause(Math.min(TOKEN_RETRY_FIRST_DELAY_MS * 2 ** attempt, TOKEN_RETRY_MAX_DELAY_MS));
        continue;
      }
      if (this.destroyed) throw new Error('the token keeper was destroyed');
      return this.accept(response);
    }
  }

  /** Holds a newly issued token, hands it to the provider and schedules its replacement. */
  private accept(response: TokenResponse): string {
    const receivedAt = Date.now();
    // The token's own iat/exp give its life regardless of how far this clock is off the
    // server's; expiresAt (server clock) is the fallback.
    const lifetimeMs = Math.max(0, tokenLifetimeMs(response.token) ?? response.expiresAt - receivedAt);
    this.held = { token: response.token, expiresAt: receivedAt + lifetimeMs };
    // The provider builds its URL from params on every (re)connect, so the next one uses this.
    if (this.provider) this.provider.params = { ...this.provider.params, [TOKEN_PARAM]: response.token };
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      this.renew().catch(reportedThroughState);
    }, lifetimeMs * TOKEN_REFRESH_AT);
    this.setState({ kind: 'valid' });
    return response.token;
  }

  private hasFreshToken(): boolean {
    return this.held !== null && this.held.expiresAt - Date.now() > TOKEN_EXPIRY_MARGIN_MS;
  }

  /** Waits `delayMs`, or less if the keeper is destroyed meanwhile. */
  private pause(delayMs: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakeRetry = null;
        resolve();
      };
      const timer = setTimeout(wake, delayMs);
      this.wakeRetry = wake;
    });
  }

  private setState(next: TokenState): void {
    if (next.kind === this.state.kind && next.kind === 'valid') return;
    this.state = next;
    for (const listener of this.listeners) listener();
  }
}

/**
 * A JWT's lifetime in ms from its own `iat` and `exp` claims, or null when it has no readable
 * pair (not a JWT, no `iat`): the caller then falls back to the server's expiresAt.
 */
export function tokenLifetimeMs(token: string): number | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4)), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as { iat?: unknown; exp?: unknown };
    if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number' || claims.exp <= claims.iat) return null;
    return (claims.exp - claims.iat) * 1000;
  } catch {
    // Not base64url JSON: an opaque token, whose expiry only expiresAt tells.
    return null;
  }
}

/** Failed token requests are shown through the keeper's state, so callers need not report them. */
function reportedThroughState(): void {}
