'use client';
import Link from 'next/link';
import { useEffect, useState } from 'react';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { syncUrlFor } from '../lib/sync-url';
import { CollaborativeEditor } from './CollaborativeEditor';
import { ConnectionIndicator } from './ConnectionIndicator';
import { useIdentity } from './hooks/use-identity';
import { rememberDocument } from './hooks/use-recent-documents';
import { PresenceBar } from './PresenceBar';

interface Session {
  doc: Y.Doc;
  provider: WebsocketProvider;
}

/** The editor page for one room: owns the Y.Doc and its provider for the page's lifetime. */
export function EditorPage({ room, syncUrl }: { room: string; syncUrl: string | null }) {
  const [session, setSession] = useState<Session | null>(null);
  const [identity, setIdentity] = useIdentity();

  useEffect(() => {
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(syncUrlFor(window.location, syncUrl), room, doc);
    // The doc and socket are external resources owned by this effect; render once they exist.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setSession({ doc, provider });
    rememberDocument(room);
    return () => {
      provider.destroy();
      doc.destroy();
    };
  }, [room, syncUrl]);

  return (
    <div className="editor-page">
      <header className="editor-header">
        <Link href="/" className="brand">
          Tandem
        </Link>
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
