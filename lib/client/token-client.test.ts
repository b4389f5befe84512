/**
 * TokenKeeper: fetches a token before the first connection, refreshes it at 80% of its life,
 * reconnects after a 4401 close with a fresh token, retries failed requests with backoff and
 * gives up only when the server refuses. The provider here is a small stand-in with the same
 * events and params as y-websocket's, watched by the real ConnectionStateStore the keeper
 * follows; the clock is Vitest's fake one.
 */
import { ObservableV2 } from 'lib0/observable';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './api-client';
import { ConnectionStateStore } from './connection-state';
import type { TokenResponse } from '../protocol/api-routes';
import { CloseCode } from '../protocol/close-codes';
import { TOKEN_RETRY_FIRST_DELAY_MS, TokenKeeper, tokenLifetimeMs } from './token-client';

const MINUTE_MS = 60_000;

/** Records connects and reports them like WebsocketProvider does ('status' connecting). */
class FakeProvider extends ObservableV2<{
  status: (event: { status: string }) => void;
  'connection-close': (event: null) => void;
  closed: (event: { code: number; reason: string }) => void;
}> {
  params: Record<string, string> = { acks: '1' };
  connectedWith: (string | undefined)[] = [];
  wsconnected = false;
  wsconnecting = false;
  synced = false;
  shouldConnect = false;
  wsUnsuccessfulReconnects = 0;
  connect(): void {
    this.connectedWith.push(this.params.token);
    this.shouldConnect = true;
    this.wsconnecting = true;
    this.emit('status', [{ status: 'connecting' }]);
  }
  /** A final close (the fake is only closed with 44xx codes), in the provider's order. */
  closeWith(code: number): void {
    this.emit('connection-close', [null]);
    this.wsconnecting = false;
    this.wsUnsuccessfulReconnects++;
    this.shouldConnect = false;
    this.emit('closed', [{ code, reason: '' }]);
  }
}

/** The connection state the page builds around its provider. */
function watch(provider: FakeProvider): ConnectionStateStore {
  return new ConnectionStateStore(provider as never);
}

/** A server handing out numbered opaque tokens with the given life. */
function tokenServer(lifeMs = 10 * MINUTE_MS) {
  let issued = 0;
  const request = vi.fn(async (): Promise<TokenResponse> => {
    issued++;
    return { token: `token-${issued}`, role: 'edit', expiresAt: Date.now() + lifeMs };
  });
  return request;
}

function jwtWith(claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}.signature`;
}

let keeper: TokenKeeper | null = null;

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
});

afterEach(() => {
  keeper?.destroy();
  keeper = null;
  vi.useRealTimers();
});

describe('TokenKeeper', () => {
  it('puts a token into the provider params before the first connection, keeping the others', async () => {
    const request = tokenServer();
    const provider = new FakeProvider();
    keeper = new TokenKeeper(request);
    expect(keeper.getState()).toEqual({ kind: 'fetching' });

    await keeper.attach(provider as never, watch(provider));

    expect(provider.params).toEqual({ acks: '1', token: 'token-1' });
    expect(keeper.getState()).toEqual({ kind: 'valid' });
    expect(await keeper.getToken()).toBe('token-1');
    expect(request).toHaveBeenCalledTimes(1);
  });

  it('replaces the token at 80% of its life, so the next reconnect carries a valid one', async () => {
    const request = tokenServer(10 * MINUTE_MS);
    const provider = new FakeProvider();
    keeper = new TokenKeeper(request);
    await keeper.attach(provider as never, watch(provider));

    await vi.advanceTimersByTimeAsync(8 * MINUTE_MS - 1_000);
    expect(request).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(request).toHaveBeenCalledTimes(2);
    expect(provider.params.token).toBe('token-2');

    // And again for the new token's life.
    await vi.advanceTimersByTimeAsync(8 * MINUTE_MS);
    expect(provider.params.token).toBe('token-3');
  });

  it("measures a JWT's life by its own iat and exp, whatever this clock says", async () => {
    const provider = new FakeProvider();
    const nowS = Math.floor(Date.now() / 1000);
    // This browser's clock is 5 minutes behind: expiresAt looks 15 minutes away, but the token
    // only lives 10.
    const token = jwtWith({ room: 'r', role: 'edit', iat: nowS + 300, exp: nowS + 900 });
    const request = vi.fn(async (): Promise<TokenResponse> => ({ token, role: 'edit', expiresAt: (nowS + 900) * 1000 }));
    keeper = new TokenKeeper(request);
    await keeper.attach(provider as never, watch(provider));

    await vi.advanceTimersByTimeAsync(8 * MINUTE_MS);
    expect(request).toHaveBeenCalledTimes(2);
  });

  it('after a 4401 close reconnects at once with the already refreshed token', async () => {
    const request = tokenServer(10 * MINUTE_MS);
    const provider = new FakeProvider();
    keeper = new TokenKeeper(request);
    await keeper.attach(provider as never, watch(provider));
    provider.connect();
    await vi.advanceTimersByTimeAsync(8 * MINUTE_MS);
    expect(provider.params.token).toBe('token-2');

    // The socket opened with token-1 expires and the server closes it.
    provider.closeWith(CloseCode.TOKEN_EXPIRED);

    expect(provider.connectedWith).toEqual(['token-1', 'token-2']);
    expect(request).toHaveBeenCalledTimes(2);
  });

  it('after a 4401 close with no newer token fetches one first, then reconnects', async () => {
    const request = tokenServer(10 * MINUTE_MS);
    const provider = new FakeProvider();
    keeper = new TokenKeeper(request);
    await keeper.attach(provider as never, watch(provider));
    provider.connect();

    // The server's clock runs ahead: it expires the socket's token before we refreshed it.
    provider.closeWith(CloseCode.TOKEN_EXPIRED);
    expect(provider.connectedWith).toEqual(['token-1']);
    await vi.advanceTimersByTimeAsync(0);

    expect(provider.connectedWith).toEqual(['token-1', 'token-2']);
  });

  it('ignores other terminal closes', async () => {
    const request = tokenServer();
    const provider = new FakeProvider();
    keeper = new TokenKeeper(request);
    await keeper.attach(provider as never, watch(provider));
    provider.connect();

    provider.closeWith(CloseCode.VIEW_LINK_REVOKED);
    await vi.advanceTimersByTimeAsync(0);

    expect(provider.connectedWith).toEqual(['token-1']);
    expect(request).toHaveBeenCalledTimes(1);
  });

  it('retries failed requests with growing delays and says so while it has no token', async () => {
    let calls = 0;
    const request = vi.fn(async (): Promise<TokenResponse> => {
      calls++;
      if (calls === 1) throw new ApiError(0, 'the server could not be reached');
      if (calls === 2) throw new ApiError(503, 'busy');
      return { token: 'late-token', role: 'view', expiresAt: Date.now() + MINUTE_MS };
    });
    const provider = new FakeProvider();
    keeper = new TokenKeeper(request);
    const ready = keeper.attach(provider as never, watch(provider));

    await vi.advanceTimersByTimeAsync(0);
    expect(keeper.getState()).toEqual({ kind: 'retrying', reason: 'the server could not be reached' });
    await vi.advanceTimersByTimeAsync(TOKEN_RETRY_FIRST_DELAY_MS);
    expect(request).toHaveBeenCalledTimes(2);
    expect(keeper.getState()).toEqual({ kind: 'retrying', reason: 'busy' });
    // The second wait is twice as long.
    await vi.advanceTimersByTimeAsync(TOKEN_RETRY_FIRST_DELAY_MS);
    expect(request).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(TOKEN_RETRY_FIRST_DELAY_MS);
    await ready;

    expect(provider.params.token).toBe('late-token');
    expect(keeper.getState()).toEqual({ kind: 'valid' });
  });

  it('gives up when the server refuses to issue a token', async () => {
    const request = vi.fn(async (): Promise<TokenResponse> => {
      throw new ApiError(404, 'unknown view link');
    });
    const provider = new FakeProvider();
    keeper = new TokenKeeper(request);

    await expect(keeper.attach(provider as never, watch(provider))).rejects.toThrow('unknown view link');
    expect(keeper.getState()).toEqual({ kind: 'refused', status: 404, reason: 'unknown view link' });
    await vi.advanceTimersByTimeAsync(10 * MINUTE_MS);
    expect(request).toHaveBeenCalledTimes(1);
    expect(provider.params.token).toBeUndefined();
  });

  it('shares one request between callers asking at the same time', async () => {
    const request = tokenServer();
    keeper = new TokenKeeper(request);
    const tokens = await Promise.all([keeper.getToken(), keeper.getToken(), keeper.getToken()]);
    expect(tokens).toEqual(['token-1', 'token-1', 'token-1']);
    expect(request).toHaveBeenCalledTimes(1);
  });

  it('stops refreshing once destroyed', async () => {
    const request = tokenServer(MINUTE_MS);
    const provider = new FakeProvider();
    keeper = new TokenKeeper(request);
    await keeper.attach(provider as never, watch(provider));
    keeper.destroy();

    await vi.advanceTimersByTimeAsync(10 * MINUTE_MS);
    provider.closeWith(CloseCode.TOKEN_EXPIRED);
    await vi.advanceTimersByTimeAsync(0);

    expect(request).toHaveBeenCalledTimes(1);
    expect(provider.connectedWith).toEqual([]);
  });
});

describe('tokenLifetimeMs', () => {
  it('reads the life from iat and exp', () => {
    expect(tokenLifetimeMs(jwtWith({ iat: 1_000, exp: 1_600 }))).toBe(600_000);
  });

  it.each([
    ['an opaque token', 'abc'],
    ['a JWT without iat', jwtWith({ exp: 1_600 })],
    ['a JWT whose exp is not after iat', jwtWith({ iat: 1_600, exp: 1_600 })],
    ['a payload that is not JSON', 'a.bm90IGpzb24.c'],
  ])('is null for %s', (_label, token) => {
    expect(tokenLifetimeMs(token)).toBeNull();
  });
});
