import type { WebsocketProvider } from 'y-websocket';
import type { ConnectionStateStore } from './connection-state';

/**
 * When the browser says it went offline, drop the socket at once (the provider keeps retrying
 * with backoff) rather than waiting for a dead connection to time out; when it comes back,
 * retry right away, unless the provider was stopped on purpose (not connected yet, or the
 * server ended the connection for good, e.g. a revoked view link). Returns the cleanup.
 */
export function followBrowserNetworkState(provider: WebsocketProvider, connection: ConnectionStateStore): () => void {
  const onOffline = () => provider.ws?.close();
  const onOnline = () => {
    const { phase } = connection.getState();
    if (phase !== 'idle' && phase !== 'ended') provider.connect();
  };
  window.addEventListener('offline', onOffline);
  window.addEventListener('online', onOnline);
  return () => {
    window.removeEventListener('offline', onOffline);
    window.removeEventListener('online', onOnline);
  };
}
