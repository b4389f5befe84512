'use client';
import type { Editor } from '@tiptap/react';
import Link from 'next/link';
import { useEffect, useState } from 'react';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { requestToken } from '../lib/client/api-client';
import { followBrowserNetworkState } from '../lib/client/follow-network-state';
import { admitOnlyTandemPresence } from '../lib/presence/presence-intake';
import { apiBaseFor, viewSyncUrlFor } from '../lib/client/sync-url';
import { TokenKeeper } from '../lib/client/token-client';
import { CollaborativeEditor } from './CollaborativeEditor';
import { ConnectionIndicator } from './ConnectionIndicator';
import { DocumentTitle } from './DocumentTitle';
import { ExportMenu } from './ExportMenu';
import { useIdentity } from './hooks/use-identity';
import { PresenceBar } from './PresenceBar';
import { ThemeToggle } from './ThemeToggle';
import { TokenNotice } from './TokenNotice';
import { VIEW_LINK_REVOKED_MESSAGE, ViewerConnectionNotice } from './ViewerConnectionNotice';
import { WordCount } from './WordCount';

interface Props {
  viewId: string;
  syncUrl: string | null;
  /** The server requires tokens (AUTH_SECRET set): fetch a view token before connecting. */
  tokenMode: boolean;
}

interface Session {
  doc: Y.Doc;
  provider: WebsocketProvider;
  tokens: TokenKeeper | null;
}

/**
 * The view-only page for one view link: the live document, read-only, with presence. It knows
 * only the view id: the socket goes to /sync/view/<viewId> and a token (in token mode) is
 * minted for the view id, so nothing here reveals the room id.
 */
export function ViewerPage({ viewId, syncUrl, tokenMode }: Props) {
  const [session, setSession] = useState<Session | null>(null);
  const [identity, setIdentity] = useIdentity();
  const [editor, setEditor] = useState<Editor | null>(null);

  useEffect(() => {
    const doc = new Y.Doc();
    // No IndexedDB copy and no save tracking: a reader has no changes to keep. The editor is
    // not editable, and the server drops anything a view connection sends anyway.
    const provider = new WebsocketProvider(viewSyncUrlFor(window.location, syncUrl), viewId, doc, { connect: false });
    // Presence outside Tandem's schema never reaches the awareness (security review C1, M7).
    admitOnlyTandemPresence(provider);
    const apiBase = apiBaseFor(window.location, syncUrl);
    const tokens = tokenMode ? new TokenKeeper(() => requestToken(apiBase, { viewId })) : null;
    let destroyed = false;
    if (tokens) {
      tokens.attach(provider).then(() => {
        if (!destroyed) provider.connect();
      }, shownByTokenNotice);
    } else {
      provider.connect();
    }
    const stopFollowingNetwork = followBrowserNetworkState(provider);
    // The doc and socket are external resources owned by this effect; render once they exist.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setSession({ doc, provider, tokens });
    return () => {
      destroyed = true;
      stopFollowingNetwork();
      tokens?.destroy();
      provider.destroy();
      doc.destroy();
    };
  }, [viewId, syncUrl, tokenMode]);

  return (
    <div className="editor-page viewer-page">
      <header className="editor-header">
        <Link href="/" className="brand">
          Tandem
        </Link>
        {session && <ConnectionIndicator provider={session.provider} />}
        {session && identity && (
          <PresenceBar awareness={session.provider.awareness} identity={identity} onIdentityChange={setIdentity} viewing editor={editor} />
        )}
        {session && editor && <ExportMenu editor={editor} doc={session.doc} />}
        <ThemeToggle />
      </header>
      <p role="note" className="view-only-banner">
        View only — you can read along but not edit
      </p>
      {session?.tokens && <TokenNotice keeper={session.tokens} refusedMessage={VIEW_LINK_REVOKED_MESSAGE} />}
      {session && <ViewerConnectionNotice provider={session.provider} />}
      <main className="editor-main">
        {session && identity ? (
          <>
            <DocumentTitle doc={session.doc} editor={editor} readOnly />
            <CollaborativeEditor doc={session.doc} provider={session.provider} identity={identity} editable={false} onEditorChange={setEditor} />
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

/** A refused view token is shown by TokenNotice; the page simply never connects. */
function shownByTokenNotice(): void {}
