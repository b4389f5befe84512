'use client';
import type { ConnectionStateStore } from '../lib/client/connection-state';
import { CloseCode, closeCodeInfo, COMMENT_LINK_REVOKED_NOTICE, ENDED_BY_SERVER_NOTICE } from '../lib/protocol/close-codes';
import { useConnectionState } from './hooks/use-connection-state';

/** Failed attempts in a row after which the page says the link itself may be the problem. */
const SUSPECT_LINK_AFTER_ATTEMPTS = 3;

/**
 * Why a viewer (or commenter) is not reading along: the server ended the connection for good (e.g. the link
 * was revoked while open; the words per close code are in lib/protocol/close-codes.ts), or it
 * cannot be reached. A refused upgrade for an unknown view id looks exactly like a network
 * failure to the browser, so the page says only what it knows.
 */
export function ViewerConnectionNotice({ connection, link = 'view' }: { connection: ConnectionStateStore; link?: 'view' | 'comment' }) {
  const { terminalClose, failedAttempts } = useConnectionState(connection);
  if (terminalClose !== null) {
    const notice =
      link === 'comment' && terminalClose === CloseCode.VIEW_LINK_REVOKED ? COMMENT_LINK_REVOKED_NOTICE : closeCodeInfo(terminalClose)?.viewerNotice;
    // null: the page recovers by itself (after 4401 the token keeper reconnects; TokenNotice
    // covers a failure to get a token).
    if (notice !== null) {
      return (
        <p role="alert" className="notice notice-error">
          {notice ?? ENDED_BY_SERVER_NOTICE}
        </p>
      );
    }
  }
  if (failedAttempts >= SUSPECT_LINK_AFTER_ATTEMPTS) {
    return (
      <p role="status" className="notice notice-warning">
        Still trying to reach this document. If this goes on, the {link} link may no longer work: ask for a new one.
      </p>
    );
  }
  return null;
}
