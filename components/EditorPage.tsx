'use client';
import Link from 'next/link';
import { useCallback, useEffect, useState } from 'react';
import { IndexeddbPersistence } from 'y-indexeddb';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { SaveTracker } from '../lib/save-tracker';
import { SAVED_ACKS_PARAM } from '../lib/sync-protocol';
import { syncUrlFor } from '../lib/sync-url';
import { localUnsavedCountStore } from '../lib/unsaved-count-store';
import { CollaborativeEditor } from './CollaborativeEditor';
import { ConnectionIndicator } from './ConnectionIndicator';
import { useIdentity } from './hooks/use-identity';
import { useLeaveGuard } from './hooks/use-leave-guard';
import { rememberDocument } from './hooks/use-recent-documents';
import { PresenceBar } from './PresenceBar';
import { SaveStatus } from './SaveStatus';

interface Session {
  doc: Y.Doc;
  provider: WebsocketProvider;
  tracker: SaveTracker;
}

const UNSAVED_LEAVE_QUESTION = 'Some changes are not on the server yet (they are kept on this device). Leave anyway?';

/** How long to wait for the local copy before connecting anyway (e.g. IndexedDB disabled). */
const LOCAL_COPY_TIMEOUT_MS = 2_000;

/** The editor page for one room: owns the Y.Doc and its provider for the page's lifetime. */
export function EditorPage({ room, syncUrl }: { room: string; syncUrl: string | null }) {
  const [session, setSession] = useState<Session | null>(null);
  const [identity, setIdentity] = useIdentity();

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
    // Connect once the local copy is loaded, so the first sync already carries offline edits.
    let destroyed = false;
    const timeout = new Promise((resolve) => setTimeout(resolve, LOCAL_COPY_TIMEOUT_MS));
    void Promise.race([localCopy.whenSynced, timeout]).then(() => {
      if (!destroyed) provider.connect();
    });
    const stopFollowingNetwork = followBrowserNetworkState(provider);
    // The doc and socket are external resources owned by this effect; render once they exist.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setSession({ doc, provider, tracker });
    rememberDocument(room);
    return () => {
      destroyed = true;
      stopFollowingNetwork();
      provider.destroy();
      tracker.detach();
      void localCopy.destroy();
      doc.destroy();
    };
  }, [room, syncUrl]);

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
        {session && identity && (
          <PresenceBar awareness={session.provider.awareness} identity={identity} onIdentityChange={setIdentity} />
        )}
      </header>
      <main className="editor-main">
        {session && identity ? (
          <CollaborativeEditor doc={session.doc} provider={session.provider} identity={identity} />
        ) : (
          <p className="muted">Opening document…</p>
        )}
      </main>
    </div>
  );
}

/**
 * When the browser says it went offline, drop the socket at once (the provider keeps retrying
 * with backoff) rather than waiting for a dead connection to time out; when it comes back,
 * retry right away. Returns the cleanup.
 */
function followBrowserNetworkState(provider: WebsocketProvider): () => void {
  const onOffline = () => provider.ws?.close();
  const onOnline = () => provider.connect();
  window.addEventListener('offline', onOffline);
  window.addEventListener('online', onOnline);
  return () => {
    window.removeEventListener('offline', onOffline);
    window.removeEventListener('online', onOnline);
  };
}
