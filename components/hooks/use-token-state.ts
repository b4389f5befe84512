'use client';
import { useSyncExternalStore } from 'react';
import type { TokenKeeper, TokenState } from '../../lib/client/token-client';

const FETCHING: TokenState = { kind: 'fetching' };

/** Whether the page holds a usable token (token mode; see lib/client/token-client.ts). */
export function useTokenState(keeper: TokenKeeper): TokenState {
  return useSyncExternalStore(keeper.subscribe, keeper.getState, () => FETCHING);
}
