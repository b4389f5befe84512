'use client';
import type { Editor } from '@tiptap/react';
import Link from 'next/link';
import { useCallback, useEffect, useState } from 'react';
import { IndexeddbPersistence } from 'y-indexeddb';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { requestToken } from '../lib/client/api-client';
import { followBrowserNetworkState } from '../lib/client/follow-network-state';
import { admitOnlyTandemPresence } from '../lib/presence/presence-intake';
import { SaveTracker } from '../lib/client/save-tracker';
import { SAVED_ACKS_PARAM } from '../lib/protocol/sync-protocol';
import { apiBaseFor, syncUrlFor } from '../lib/client/sync-url';
import { TokenKeeper } from '../lib/client/token-client';
import { localUnsavedCountStore } from '../lib/client/unsaved-count-store';
import { CollaborativeEditor } from './CollaborativeEditor';
import { ConnectionIndicator } from './ConnectionIndicator';
import { DocumentTitle } from './DocumentTitle';
import { ExportMenu } from './ExportMenu';
import { useIdentity } from './hooks/use-identity';
import { useLeaveGuard } from './hooks/use-leave-guard';
import { usePendingImport } from './hooks/use-pending-import';
import { rememberDocument } from './hooks/use-recent-documents';
import { PresenceBar } from './PresenceBar';
import { SaveStatus } from './SaveStatus';
import { ShareDialog } from './ShareDialog';
import { ThemeToggle } from './ThemeToggle';
import { TokenNotice } from './TokenNotice';
import { Toolbar } from './Toolbar';
import { WordCount } from './WordCount';

interface Props {
  room: string;
  syncUrl: string | null;
  /** The server requires tokens (AUTH_SECRET set): fetch an edit token before connecting. */
  tokenMode: boolean;
}

interface Session {
  doc: Y.Doc;
  provider: WebsocketProvider;
  tracker: SaveTracker;
  apiBase: string;
  tokens: TokenKeeper | null;
}

const UNSAVED_LEAVE_QUESTION = 'Some changes are not on the server yet (they are kept on this device). Leave anyway?';

/** How long to wait for the local copy before connecting anyway (e.g. IndexedDB disabled). */
const LOCAL_COPY_TIMEOUT_MS = 2_000;

/** The editor page for one room: owns the Y.Doc and its provider for the page's lifetime. */
export function EditorPage({ room, syncUrl, tokenMode }: Props) {
  const [session, setSession] = useState<Session | null>(null);
  const [identity, setIdentity] = useIdentity();
  const [sharing, setSharing] = useState(false);
  const [editor, setEditor] = useState<Editor | null>(null);

  useEffect(() => {
    const doc = new Y.Doc();
    // The offline copy: the document opens from it at once, and edits made offline survive a
    // closed tab until the next visit sends them.
    const localCopy = new IndexeddbPersistence(`tandem:${room}`, doc);
    const tracker = new SaveTracker(localUnsavedCountStore(window.localStorage, room));
    const provider = new WebsocketProvider(syncUrlFor(window.location, syncUrl), room, doc, {
      connect: false,
      params: { [SAVED_ACKS_PARAM]: '1' },
      WebSocketPolyfill: tracker.webSocketClass(WebSocket),
    });
    tracker.attach(provider, { restoredOrigins: [localCopy] });
    // Presence outside Tandem's schema never reaches the awareness (security review C1, M7).
    admitOnlyTandemPresence(provider);
    const apiBase = apiBaseFor(window.location, syncUrl);
    const tokens = tokenMode ? new TokenKeeper(() => requestToken(apiBase, { room })) : null;
    // Connect once the local copy is loaded, so the first sync already carries offline edits,
    // and (token mode) once a token is in the params. A refused token never connects; the
    // TokenNotice says why.
    let destroyed = false;
    const timeout = new Promise((resolve) => setTimeout(resolve, LOCAL_COPY_TIMEOUT_MS));
    const authorized = tokens ? tokens.attach(provider) : Promise.resolve();
    Promise.all([Promise.race([localCopy.whenSynced, timeout]), authorized]).then(() => {
      if (!destroyed) provider.connect();
    }, shownByTokenNotice);
    const stopFollowingNetwork = followBrowserNetworkState(provider);
    // The doc and socket are external resources owned by this effect; render once they exist.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setSession({ doc, provider, tracker, apiBase, tokens });
    rememberDocument(room);
    return () => {
      destroyed = true;
      stopFollowingNetwork();
      tokens?.destroy();
      provider.destroy();
      tracker.detach();
      void localCopy.destroy();
      doc.destroy();
    };
  }, [room, syncUrl, tokenMode]);

  usePendingImport(room, session?.doc, session?.provider, editor);
  useLeaveGuard(useCallback(() => session?.tracker.hasUnsavedChanges ?? false, [session]));

  return (
    <div className="editor-page">
      <header className="editor-header">
        <Link
          href="/"
          className="brand"
          onClick={(event) => {
            // In-app navigation skips beforeunload, so the leave guard asks here too.
            if (session?.tracker.hasUnsavedChanges && !window.confirm(UNSAVED_LEAVE_QUESTION)) event.preventDefault();
          }}
        >
          Tandem
        </Link>
        {session && <SaveStatus tracker={session.tracker} />}
        {session && <ConnectionIndicator provider={session.provider} />}
        {session && (
          <button type="button" className="button-secondary share-button" aria-haspopup="dialog" onClick={() => setSharing(true)}>
            Share
          </button>
        )}
        {session && identity && (
          <PresenceBar awareness={session.provider.awareness} identity={identity} onIdentityChange={setIdentity} editor={editor} />
        )}
        {session && editor && <ExportMenu editor={editor} doc={session.doc} />}
        <ThemeToggle />
        {editor && <Toolbar editor={editor} />}
      </header>
      {session?.tokens && <TokenNotice keeper={session.tokens} />}
      {session && sharing && (
        <ShareDialog room={room} apiBase={session.apiBase} tokens={session.tokens} onClose={() => setSharing(false)} />
      )}
      <main className="editor-main">
        {session && identity ? (
          <>
            <DocumentTitle doc={session.doc} editor={editor} room={room} />
            <CollaborativeEditor doc={session.doc} provider={session.provider} identity={identity} editable onEditorChange={setEditor} />
          </>
        ) : (
          <p className="muted">Opening document…</p>
        )}
      </main>
      {session && (
        <footer className="status-line">
          <WordCount editor={editor} />
        </footer>
      )}
    </div>
  );
}

/** A refused edit token is shown by TokenNotice; the page simply never connects. */
function shownByTokenNotice(): void {}
