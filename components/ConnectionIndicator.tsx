'use client';
import type { WebsocketProvider } from 'y-websocket';
import { useConnectionStatus, type ConnectionStatus } from './hooks/use-connection-status';

const LABELS: Record<ConnectionStatus, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  offline: 'Offline — reconnecting',
  refused: 'Disconnected by the server',
};

/** A small live status pill: connecting / connected / offline. */
export function ConnectionIndicator({ provider }: { provider: WebsocketProvider }) {
  const status = useConnectionStatus(provider);
  return (
    <span className={`connection connection-${status}`} role="status" aria-label="Connection" data-status={status}>
      <span className="connection-dot" aria-hidden="true" />
      {LABELS[status]}
    </span>
  );
}
