'use client';
import { useCallback, useSyncExternalStore } from 'react';
import type { WebsocketProvider } from 'y-websocket';

export type ConnectionStatus = 'connecting' | 'connected' | 'offline' | 'refused';

/**
 * The provider's connection state. "offline": the socket is down and the provider will retry;
 * "connected": the socket is open and the first sync has completed; "refused": the server
 * closed with a terminal code (4400–4499, see lib/protocol/close-codes.ts) and the provider gave up.
 */
export function useConnectionStatus(provider: WebsocketProvider): ConnectionStatus {
  const subscribe = useCallback(
    (onChange: () => void) => {
      provider.on('status', onChange);
      provider.on('sync', onChange);
      provider.on('connection-close', onChange);
      provider.on('closed', onChange);
      return () => {
        provider.off('status', onChange);
        provider.off('sync', onChange);
        provider.off('connection-close', onChange);
        provider.off('closed', onChange);
      };
    },
    [provider],
  );
  const getSnapshot = useCallback((): ConnectionStatus => {
    // Not connected yet (the page waits for its local copy or a token) is not a refusal. The
    // provider counts a terminal close as a failed attempt before it stops, so the count tells.
    if (!provider.shouldConnect) return provider.wsUnsuccessfulReconnects > 0 ? 'refused' : 'connecting';
    if (provider.wsconnected && provider.synced) return 'connected';
    if (provider.wsconnecting || provider.wsconnected) return 'connecting';
    return 'offline';
  }, [provider]);
  return useSyncExternalStore(subscribe, getSnapshot, () => 'connecting');
}
