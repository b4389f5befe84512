'use client';
import type { Editor } from '@tiptap/react';
import { useState } from 'react';
import { VIEW_LINK_REVOKED_NOTICE } from '../lib/protocol/close-codes';
import { ConnectionIndicator } from './ConnectionIndicator';
import { DocumentShell } from './DocumentShell';
import { DocumentTitle } from './DocumentTitle';
import { ExportMenu } from './ExportMenu';
import { useAuthorColors } from './hooks/use-author-colors';
import { useComments } from './hooks/use-comments';
import { useDocumentSession } from './hooks/use-document-session';
import { useIdentity } from './hooks/use-identity';
import { useShowAuthors } from './hooks/use-show-authors';
import { PresenceBar } from './PresenceBar';
import { AuthorLegend, ShowAuthorsButton } from './ShowAuthors';
import { ThemeToggle } from './ThemeToggle';
import { TokenNotice } from './TokenNotice';
import { ViewerConnectionNotice } from './ViewerConnectionNotice';

interface Props {
  viewId: string;
  syncUrl: string | null;
  /** The server requires tokens (AUTH_SECRET set): fetch a view token before connecting. */
  tokenMode: boolean;
}

/**
 * The view-only page for one view link: the live document, read-only, with presence. It knows
 * only the view id: the socket goes to /sync/view/<viewId> and a token (in token mode) is
 * minted for the view id, so nothing here reveals the room id.
 */
export function ViewerPage({ viewId, syncUrl, tokenMode }: Props) {
  const session = useDocumentSession({ kind: 'view', viewId, syncUrl, tokenMode });
  const [identity, setIdentity] = useIdentity();
  const [editor, setEditor] = useState<Editor | null>(null);
  const [showingAuthors, setShowingAuthors] = useShowAuthors();
  // Shown only when the room lets viewers see who wrote what (the server answers 403 otherwise).
  const authors = useAuthorColors(editor, session, { viewId }, identity, showingAuthors);
  const authorsShown = editor !== null && authors.available;
  // Threads arrive only while the room lets viewers see comments; they are read-only here.
  const comments = useComments(session?.comments, editor, identity, 'view');

  const menu = (
    <>
      {session && <ConnectionIndicator connection={session.connection} />}
      {session && identity && (
        <PresenceBar awareness={session.provider.awareness} identity={identity} onIdentityChange={setIdentity} viewing editor={editor} />
      )}
      {session && editor && <ExportMenu editor={editor} doc={session.doc} threads={comments?.threads} />}
      {authorsShown && <ShowAuthorsButton on={showingAuthors} onChange={setShowingAuthors} />}
      <ThemeToggle />
    </>
  );
  const notices = (
    <>
      <p role="note" className="view-only-banner">
        View only — you can read along but not edit
      </p>
      {session?.tokens && <TokenNotice keeper={session.tokens} refusedMessage={VIEW_LINK_REVOKED_NOTICE} />}
      {session && <ViewerConnectionNotice connection={session.connection} />}
      {authorsShown && showingAuthors && <AuthorLegend authors={authors.legend} failure={authors.failure} />}
    </>
  );
  return (
    <DocumentShell
      className="viewer-page"
      session={session}
      identity={identity}
      editor={editor}
      onEditorChange={setEditor}
      menu={menu}
      notices={notices}
      title={session && <DocumentTitle doc={session.doc} editor={editor} readOnly />}
      comments={comments}
    />
  );
}
