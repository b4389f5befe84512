/**
 * A document an administrator deleted, as a page learns it: its socket closes with 4404, at
 * once on connecting or while it is open, and the provider stops for good; in token mode the
 * token is refused first (410), and the page never connects. From then on the
 * page says so instead of showing the document, and `forget` removes what this browser kept
 * of it (an editor's offline copy, unsaved count and recent-documents entry), so nothing kept
 * here can bring the document back.
 */
import { CloseCode } from '../protocol/close-codes';
import type { ConnectionStateStore } from './connection-state';
import type { TokenKeeper } from './token-client';

/** The API's status for a deleted room (or a link to one). */
const GONE = 410;

export class DocumentDeletion {
  private deleted = false;
  private readonly listeners = new Set<() => void>();
  private readonly stopWatchingTokens: () => void;

  constructor(
    private readonly connection: ConnectionStateStore,
    tokens: Pick<TokenKeeper, 'getState' | 'subscribe'> | null,
    private readonly forget: () => Promise<void>,
  ) {
    connection.on('stopped', this.onStopped);
    this.stopWatchingTokens =
      tokens?.subscribe(() => {
        const state = tokens.getState();
        if (state.kind === 'refused' && state.status === GONE) this.learnt();
      }) ?? (() => {});
  }

  /** Whether the server said the document was deleted (for useSyncExternalStore). */
  getState = (): boolean => this.deleted;

  /** Calls `listener` once the document is known deleted; returns the unsubscribe. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Stops listening. Idempotent. */
  destroy(): void {
    this.connection.off('stopped', this.onStopped);
    this.stopWatchingTokens();
    this.listeners.clear();
  }

  private readonly onStopped = (code: number): void => {
    if (code === CloseCode.DOCUMENT_DELETED) this.learnt();
  };

  private learnt(): void {
    if (this.deleted) return;
    this.deleted = true;
    this.forget().catch((error: Error) => {
      // The page still says the document is gone; a copy left behind is refused by the server.
      console.error(`could not remove this device's copy of a deleted document: ${error.message}`);
    });
    for (const listener of this.listeners) listener();
  }
}
