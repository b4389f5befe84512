'use client';
import { useMemo, useSyncExternalStore } from 'react';
import type { WebsocketProvider } from 'y-websocket';

/**
 * The close code with which the server last ended the connection for good (4400–4499, after
 * which the provider stops retrying; see lib/protocol/close-codes.ts), or null while connecting or
 * connected. A later reconnect (e.g. after a 4401 with a fresh token) clears it.
 */
export function useTerminalClose(provider: WebsocketProvider): number | null {
  const store = useMemo(() => createTerminalCloseStore(provider), [provider]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, () => null);
}

function createTerminalCloseStore(provider: WebsocketProvider) {
  // The provider does not remember why it stopped, so the store does, from the moment the
  // page subscribes (right after it creates the provider, before any server could close it).
  let code: number | null = null;
  return {
    subscribe(onChange: () => void) {
      const onClosed = (event: { code: number }) => {
        code = event.code;
        onChange();
      };
      const onStatus = ({ status }: { status: string }) => {
        if (status !== 'connecting' || code === null) return;
        code = null;
        onChange();
      };
      provider.on('closed', onClosed);
      provider.on('status', onStatus);
      return () => {
        provider.off('closed', onClosed);
        provider.off('status', onStatus);
      };
    },
    getSnapshot: () => code,
  };
}
