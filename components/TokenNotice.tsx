'use client';
import type { TokenKeeper } from '../lib/client/token-client';
import { useTokenState } from './hooks/use-token-state';

interface Props {
  keeper: TokenKeeper;
  /** What to say when the server refuses a token; by default its own reason. */
  refusedMessage?: string;
}

/** Token mode only: says so while the page cannot get a token to connect with. */
export function TokenNotice({ keeper, refusedMessage }: Props) {
  const state = useTokenState(keeper);
  if (state.kind === 'retrying') {
    return (
      <p role="status" className="notice notice-warning">
        Cannot get access to this document yet ({state.reason}). Retrying…
      </p>
    );
  }
  if (state.kind === 'refused') {
    return (
      <p role="alert" className="notice notice-error">
        {refusedMessage ?? `The server refused access to this document: ${state.reason}.`}
      </p>
    );
  }
  return null;
}
