import { SYNC_PATH } from './sync-protocol';

/**
 * The WebSocket base URL a browser hands to WebsocketProvider (which appends `/<room>`):
 * the configured PUBLIC_SYNC_URL when the sync server runs apart, else this origin's /sync.
 */
export function syncUrlFor(location: Pick<Location, 'protocol' | 'host'>, configured?: string | null): string {
  if (configured) return configured.replace(/\/+$/, '');
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}${SYNC_PATH}`;
}
