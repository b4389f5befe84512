/** Raw `ws` sockets, for tests that expect a refused upgrade or watch for a close code. */
import WebSocket, { type ClientOptions } from 'ws';

/**
 * Opens a raw socket; resolves with it once open, or rejects with an error carrying the
 * HTTP status the upgrade was refused with. `options` sets headers such as `origin`.
 */
export function openRawSocket(url: string, options?: ClientOptions): Promise<WebSocket> {
  return whenOpen(new WebSocket(url, options));
}

/**
 * Resolves with `socket` once open, or rejects with `{ status }` if the upgrade is refused.
 * For callers that must attach listeners before the first frame can arrive.
 */
export function whenOpen(socket: WebSocket): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_request, response) => {
      response.resume();
      reject(Object.assign(new Error(`HTTP ${response.statusCode}`), { status: response.statusCode }));
    });
    socket.once('error', reject);
  });
}

/** Resolves with the close code the server sends. */
export function closeCodeOf(socket: WebSocket): Promise<number> {
  return new Promise((resolve) => socket.once('close', (code) => resolve(code)));
}
