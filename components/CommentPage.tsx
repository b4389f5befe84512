'use client';
import type { Editor } from '@tiptap/react';
import { useState } from 'react';
import { COMMENT_LINK_REVOKED_NOTICE } from '../lib/protocol/close-codes';
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
  commentId: string;
  syncUrl: string | null;
  /** The server requires tokens (AUTH_SECRET set): fetch a comment token before connecting. */
  tokenMode: boolean;
}

/**
 * The page for one comment link: the live document in an editor that is not editable, with
 * presence under the commenter's own name (marked "commenting"). It knows only the comment id:
 * the socket goes to /sync/comment/<commentId> and a token (in token mode) is minted for the
 * comment id, so nothing here reveals the room id. The server drops this connection's document
 * updates whatever the page does.
 */
export function CommentPage({ commentId, syncUrl, tokenMode }: Props) {
  const session = useDocumentSession({ kind: 'comment', commentId, syncUrl, tokenMode });
  const [identity, setIdentity] = useIdentity();
  const [editor, setEditor] = useState<Editor | null>(null);
  const [showingAuthors, setShowingAuthors] = useShowAuthors();
  // As for viewers: shown only when the room shares history and authors (403 otherwise).
  const authors = useAuthorColors(editor, session, { commentId }, identity, showingAuthors);
  const authorsShown = editor !== null && authors.available;
  const comments = useComments(session?.comments, editor, identity, 'comment');

  const menu = (
    <>
      {session && <ConnectionIndicator connection={session.connection} />}
      {session && identity && (
        <PresenceBar awareness={session.provider.awareness} identity={identity} onIdentityChange={setIdentity} commenting editor={editor} />
      )}
      {session && editor && <ExportMenu editor={editor} doc={session.doc} threads={comments?.threads} />}
      {authorsShown && <ShowAuthorsButton on={showingAuthors} onChange={setShowingAuthors} />}
      {comments && editor && (
        <button
          type="button"
          className="button-secondary"
          aria-keyshortcuts="Control+Alt+M"
          title="Comment on the selection (Ctrl+Alt+M)"
          onMouseDown={(event) => event.preventDefault()}
          onClick={() => comments.startComment()}
        >
          Comment
        </button>
      )}
      <ThemeToggle />
    </>
  );
  const notices = (
    <>
      <p role="note" className="view-only-banner">
        You can comment — the text itself is read-only
      </p>
      {session?.tokens && <TokenNotice keeper={session.tokens} refusedMessage={COMMENT_LINK_REVOKED_NOTICE} />}
      {session && <ViewerConnectionNotice connection={session.connection} link="comment" />}
      {authorsShown && showingAuthors && <AuthorLegend authors={authors.legend} failure={authors.failure} />}
    </>
  );
  return (
    <DocumentShell
      className="viewer-page comment-page"
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
