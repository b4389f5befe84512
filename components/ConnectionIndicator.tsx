'use client';
import type { ConnectionPhase, ConnectionStateStore } from '../lib/client/connection-state';
import { useConnectionState } from './hooks/use-connection-state';

/**
 * What the pill shows. "offline": the socket is down and the provider will retry; "refused":
 * the server closed with a final code (see lib/protocol/close-codes.ts) and the provider gave
 * up. Not connected yet (the page waits for its local copy or a token) is not a refusal.
 */
type ConnectionStatus = 'connecting' | 'connected' | 'offline' | 'refused';

const STATUS_OF: Record<ConnectionPhase, ConnectionStatus> = {
  idle: 'connecting',
  connecting: 'connecting',
  syncing: 'connecting',
  connected: 'connected',
  offline: 'offline',
  ended: 'refused',
};

const LABELS: Record<ConnectionStatus, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  offline: 'Offline — reconnecting',
  refused: 'Disconnected by the server',
};

/** A small live status pill: connecting / connected / offline. */
export function ConnectionIndicator({ connection }: { connection: ConnectionStateStore }) {
  const status = STATUS_OF[useConnectionState(connection).phase];
  return (
    <span className={`connection connection-${status}`} role="status" aria-label="Connection" data-status={status}>
      <span className="connection-dot" aria-hidden="true" />
      {LABELS[status]}
    </span>
  );
}
