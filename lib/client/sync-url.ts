import { COMMENT_SYNC_PATH, SYNC_PATH, VIEW_SYNC_PATH } from '../protocol/sync-protocol';

/**
 * The WebSocket base URL a browser hands to WebsocketProvider (which appends `/<room>`):
 * the configured PUBLIC_SYNC_URL when the sync server runs apart, else this origin's /sync.
 */
export function syncUrlFor(location: Pick<Location, 'protocol' | 'host'>, configured?: string | null): string {
  if (configured) return configured.replace(/\/+$/, '');
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}${SYNC_PATH}`;
}

/**
 * The base URL for read-only connections: the provider appends `/<viewId>`, so a viewer's
 * socket lands on `/sync/view/<viewId>` (VIEW_SYNC_PATH) wherever the sync server lives.
 */
export function viewSyncUrlFor(location: Pick<Location, 'protocol' | 'host'>, configured?: string | null): string {
  return `${syncUrlFor(location, configured)}${VIEW_SYNC_PATH.slice(SYNC_PATH.length)}`;
}

/** The base URL for comment connections: the provider appends `/<commentId>` (COMMENT_SYNC_PATH). */
export function commentSyncUrlFor(location: Pick<Location, 'protocol' | 'host'>, configured?: string | null): string {
  return `${syncUrlFor(location, configured)}${COMMENT_SYNC_PATH.slice(SYNC_PATH.length)}`;
}

/**
 * The origin (plus any path prefix) serving Tandem's HTTP API (`/api/...`). The API lives
 * with the sync server: this page's origin normally, or PUBLIC_SYNC_URL's when the sync server
 * runs apart (ws→http, wss→https, without the trailing `/sync`). Never ends in a slash.
 */
export function apiBaseFor(location: Pick<Location, 'protocol' | 'host'>, configured?: string | null): string {
  if (!configured) return `${location.protocol}//${location.host}`;
  const url = new URL(configured);
  const scheme = url.protocol === 'wss:' || url.protocol === 'https:' ? 'https:' : 'http:';
  let path = url.pathname.replace(/\/+$/, '');
  if (path.endsWith(SYNC_PATH)) path = path.slice(0, -SYNC_PATH.length);
  return `${scheme}//${url.host}${path.replace(/\/+$/, '')}`;
}
