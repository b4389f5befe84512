'use client';
import { useSyncExternalStore } from 'react';
import type { ConnectionState, ConnectionStateStore } from '../../lib/client/connection-state';

const NOT_STARTED: ConnectionState = { phase: 'idle', failedAttempts: 0, terminalClose: null, synced: false };

/** The live connection state of a document (see lib/client/connection-state.ts). */
export function useConnectionState(connection: ConnectionStateStore): ConnectionState {
  return useSyncExternalStore(connection.subscribe, connection.getState, () => NOT_STARTED);
}
