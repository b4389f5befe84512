'use client';
import { useCallback, useSyncExternalStore } from 'react';
import type { WebsocketProvider } from 'y-websocket';

/**
 * How many connection attempts in a row have failed since the provider last synced (0 once it
 * syncs). A refused WebSocket upgrade (e.g. an unknown view link) looks to the browser like any
 * network failure, so a growing count is all the page can honestly go on.
 */
export function useFailedAttempts(provider: WebsocketProvider): number {
  const subscribe = useCallback(
    (onChange: () => void) => {
      // 'connection-close' fires before the provider counts the failure; the next attempt's
      // 'status' (connecting) fires after, so both are needed to see every count.
      provider.on('connection-close', onChange);
      provider.on('status', onChange);
      provider.on('sync', onChange);
      return () => {
        provider.off('connection-close', onChange);
        provider.off('status', onChange);
        provider.off('sync', onChange);
      };
    },
    [provider],
  );
  const getSnapshot = useCallback(() => provider.wsUnsuccessfulReconnects, [provider]);
  return useSyncExternalStore(subscribe, getSnapshot, () => 0);
}
