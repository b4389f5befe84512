'use client';
import { useEffect, useState } from 'react';
import { IndexeddbPersistence } from 'y-indexeddb';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { requestToken } from '../../lib/client/api-client';
import { ConnectionStateStore, shouldReconnect } from '../../lib/client/connection-state';
import { followBrowserNetworkState } from '../../lib/client/follow-network-state';
import { SaveTracker } from '../../lib/client/save-tracker';
import { CommentsClient } from '../../lib/client/comments-client';
import { DocumentDeletion } from '../../lib/client/document-deletion';
import { apiBaseFor, commentSyncUrlFor, syncUrlFor, viewSyncUrlFor } from '../../lib/client/sync-url';
import { TokenKeeper } from '../../lib/client/token-client';
import { localUnsavedCountStore } from '../../lib/client/unsaved-count-store';
import { loadIdentity } from '../../lib/prefs/identity';
import { admitOnlyTandemPresence } from '../../lib/presence/presence-intake';
import { AUTHOR_PARAM } from '../../lib/protocol/author-id';
import { COMMENTS_PARAM } from '../../lib/protocol/comments';
import { SAVED_ACKS_PARAM } from '../../lib/protocol/sync-protocol';
import { forgetDocument } from './use-recent-documents';

interface SessionOptions {
  /** PUBLIC_SYNC_URL, or null for this origin's /sync. */
  syncUrl: string | null;
  /** The server requires tokens (AUTH_SECRET set): fetch one before connecting. */
  tokenMode: boolean;
}

export interface EditSessionOptions extends SessionOptions {
  kind: 'edit';
  room: string;
}

/** A commenter knows only the comment id: the socket and the token are for it, never the room id. */
export interface CommentSessionOptions extends SessionOptions {
  kind: 'comment';
  commentId: string;
}

/** A viewer knows only the view id: the socket and the token are for it, never the room id. */
export interface ViewSessionOptions extends SessionOptions {
  kind: 'view';
  viewId: string;
}

interface SessionBase {
  doc: Y.Doc;
  provider: WebsocketProvider;
  connection: ConnectionStateStore;
  /** The room's comment threads (a viewer receives them only when the room allows it). */
  comments: CommentsClient;
  /** Token mode only. */
  tokens: TokenKeeper | null;
  apiBase: string;
  /** Says when an administrator deleted the document (4404); an editor's offline copy goes then. */
  deletion: DocumentDeletion;
}

export interface EditSession extends SessionBase {
  kind: 'edit';
  tracker: SaveTracker;
}

export interface CommentSession extends SessionBase {
  kind: 'comment';
}

export interface ViewSession extends SessionBase {
  kind: 'view';
}

type AnySession = EditSession | CommentSession | ViewSession;
type AnySessionOptions = EditSessionOptions | CommentSessionOptions | ViewSessionOptions;

/** How long to wait for the local copy before connecting anyway (e.g. IndexedDB disabled). */
const LOCAL_COPY_TIMEOUT_MS = 2_000;

/**
 * One open document for the page's lifetime: the Y.Doc, its provider and connection state,
 * the token keeper (token mode), the network follower, and for an editor the offline copy
 * (IndexedDB) and save tracking. Null until the effect has created them; everything is
 * destroyed when the page leaves or the document changes.
 */
export function useDocumentSession(options: EditSessionOptions): EditSession | null;
export function useDocumentSession(options: CommentSessionOptions): CommentSession | null;
export function useDocumentSession(options: ViewSessionOptions): ViewSession | null;
export function useDocumentSession(options: AnySessionOptions): AnySession | null {
  const [session, setSession] = useState<AnySession | null>(null);
  const { kind, syncUrl, tokenMode } = options;
  const id = options.kind === 'edit' ? options.room : options.kind === 'comment' ? options.commentId : options.viewId;

  useEffect(() => {
    const doc = new Y.Doc();
    const apiBase = apiBaseFor(window.location, syncUrl);
    // An editor opens from its offline copy at once, and edits made offline survive a closed
    // tab until the next visit sends them. A reader has no changes to keep: no copy, no save
    // tracking (the editor is not editable, and the server drops the document updates of view
    // and comment connections).
    const editing = kind === 'edit' ? openOfflineCopy(id, doc) : null;
    // An editor's socket says who writes through it (the server binds its client ids to that
    // author); read here, not from useIdentity, which is still null on the first render.
    const provider = editing
      ? new WebsocketProvider(syncUrlFor(window.location, syncUrl), id, doc, {
          connect: false,
          shouldReconnect,
          params: { [SAVED_ACKS_PARAM]: '1', [AUTHOR_PARAM]: loadIdentity(window.localStorage).authorKey, [COMMENTS_PARAM]: '1' },
          WebSocketPolyfill: editing.tracker.webSocketClass(WebSocket),
        })
      : new WebsocketProvider((kind === 'comment' ? commentSyncUrlFor : viewSyncUrlFor)(window.location, syncUrl), id, doc, {
          connect: false,
          shouldReconnect,
          // A commenter's comments are its own (own-only edits and deletes) by its author key.
          params: kind === 'comment' ? { [COMMENTS_PARAM]: '1', [AUTHOR_PARAM]: loadIdentity(window.localStorage).authorKey } : { [COMMENTS_PARAM]: '1' },
        });
    const comments = new CommentsClient(provider);
    const connection = new ConnectionStateStore(provider);
    editing?.tracker.attach(provider, { restoredOrigins: [editing.localCopy], connection });
    // Presence outside Tandem's schema never reaches the awareness (security review C1, M7).
    admitOnlyTandemPresence(provider);
    const tokens = tokenMode
      ? new TokenKeeper(() => requestToken(apiBase, kind === 'edit' ? { room: id } : kind === 'comment' ? { commentId: id } : { viewId: id }))
      : null;
    // A deleted document must not come back from this browser: its offline copy and its place
    // in the recent documents go. Readers keep no copy.
    const deletion = new DocumentDeletion(connection, tokens, async () => {
      if (!editing) return;
      forgetDocument(id);
      await editing.forget();
    });

    // Connect once the local copy is loaded, so the first sync already carries offline edits,
    // and (token mode) once a token is in the params. A refused token never connects; the
    // TokenNotice says why.
    let destroyed = false;
    const waits: Promise<unknown>[] = [];
    if (editing) waits.push(Promise.race([editing.localCopy.whenSynced, delay(LOCAL_COPY_TIMEOUT_MS)]));
    if (tokens) waits.push(tokens.attach(provider, connection));
    if (waits.length === 0) {
      provider.connect();
    } else {
      Promise.all(waits).then(() => {
        if (!destroyed) provider.connect();
      }, shownByTokenNotice);
    }
    const stopFollowingNetwork = followBrowserNetworkState(provider, connection);
    // The doc and socket are external resources owned by this effect; render once they exist.
    const base = { doc, provider, connection, comments, tokens, apiBase, deletion };
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setSession(editing ? { ...base, kind: 'edit', tracker: editing.tracker } : { ...base, kind: kind === 'comment' ? 'comment' : 'view' });
    return () => {
      destroyed = true;
      stopFollowingNetwork();
      deletion.destroy();
      tokens?.destroy();
      comments.destroy();
      provider.destroy();
      editing?.close();
      connection.destroy();
      doc.destroy();
    };
  }, [kind, id, syncUrl, tokenMode]);

  return session;
}

/** The editor's IndexedDB copy and save tracker, whose unsaved count survives a closed tab. */
function openOfflineCopy(room: string, doc: Y.Doc) {
  const localCopy = new IndexeddbPersistence(`tandem:${room}`, doc);
  const countStore = localUnsavedCountStore(window.localStorage, room);
  const tracker = new SaveTracker(countStore);
  // The count waits a moment before it is written (see unsaved-count-store.ts): leaving the
  // page writes it at once.
  const flushCount = () => countStore.flush();
  window.addEventListener('pagehide', flushCount);
  return {
    localCopy,
    tracker,
    close() {
      window.removeEventListener('pagehide', flushCount);
      tracker.detach();
      void localCopy.destroy();
    },
    /** The document was deleted: its IndexedDB database and its unsaved count go (nothing is unsaved any more). */
    async forget() {
      window.removeEventListener('pagehide', flushCount);
      tracker.detach();
      countStore.clear();
      await localCopy.clearData();
    },
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A refused token is shown by TokenNotice; the page simply never connects. */
function shownByTokenNotice(): void {}
