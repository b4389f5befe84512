'use client';
import type { WebsocketProvider } from 'y-websocket';
import { CloseCode } from '../lib/protocol/close-codes';
import { useFailedAttempts } from './hooks/use-failed-attempts';
import { useTerminalClose } from './hooks/use-terminal-close';

/** Shown when a view link was rotated away (the server closed with 4410, or refused a token). */
export const VIEW_LINK_REVOKED_MESSAGE = 'This view link no longer works. Ask for a new one.';

/** Failed attempts in a row after which the page says the link itself may be the problem. */
const SUSPECT_LINK_AFTER_ATTEMPTS = 3;

/**
 * Why a viewer is not reading along: the link was revoked while open (final), or the server
 * cannot be reached. A refused upgrade for an unknown view id looks exactly like a network
 * failure to the browser, so the page says only what it knows.
 */
export function ViewerConnectionNotice({ provider }: { provider: WebsocketProvider }) {
  const closedWith = useTerminalClose(provider);
  const failedAttempts = useFailedAttempts(provider);
  if (closedWith === CloseCode.VIEW_LINK_REVOKED) {
    return (
      <p role="alert" className="notice notice-error">
        {VIEW_LINK_REVOKED_MESSAGE}
      </p>
    );
  }
  // 4401 is not final: the token keeper reconnects with a fresh token (TokenNotice covers it).
  if (closedWith !== null && closedWith !== CloseCode.TOKEN_EXPIRED) {
    return (
      <p role="alert" className="notice notice-error">
        The server ended this connection. Reload the page to try again.
      </p>
    );
  }
  if (failedAttempts >= SUSPECT_LINK_AFTER_ATTEMPTS) {
    return (
      <p role="status" className="notice notice-warning">
        Still trying to reach this document. If this goes on, the view link may no longer work: ask for a new one.
      </p>
    );
  }
  return null;
}
