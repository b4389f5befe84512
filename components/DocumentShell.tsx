'use client';
import type { Editor } from '@tiptap/react';
import Link from 'next/link';
import { useRef, type ComponentProps, type MouseEvent, type ReactNode } from 'react';
import { DOCUMENT_DELETED_NOTICE } from '../lib/protocol/close-codes';
import type { Identity } from '../lib/prefs/identity';
import { CollaborativeEditor } from './CollaborativeEditor';
import { CommentSelectionButton } from './CommentSelectionButton';
import { CommentsMargin } from './CommentsMargin';
import { FindBar } from './FindBar';
import { HeaderMenu } from './HeaderMenu';
import { HeaderTitle } from './HeaderTitle';
import { LinkBubble } from './LinkBubble';
import { Outline } from './Outline';
import type { CommentsState } from './hooks/use-comments';
import { useDocumentDeleted } from './hooks/use-document-deleted';
import type { CommentSession, EditSession, ViewSession } from './hooks/use-document-session';
import { ShortcutsDialog } from './ShortcutsDialog';
import { WordCount } from './WordCount';

interface Props {
  /** The page's own class next to `editor-page`. */
  className?: string;
  session: EditSession | CommentSession | ViewSession | null;
  identity: Identity | null;
  editor: Editor | null;
  onEditorChange: (editor: Editor | null) => void;
  /** The brand link home, before it goes (edit pages ask first while changes are unsaved). */
  onHomeClick?: (event: MouseEvent<HTMLAnchorElement>) => void;
  /** Beside the brand (on a phone: the title) in the header row, always in view: the save status. */
  status?: ReactNode;
  /** The header's other controls: in the header on wide screens, behind its Menu button on a phone. */
  menu: ReactNode;
  /** The row under the header's: the formatting toolbar. */
  toolbar?: ReactNode;
  /** Notices and dialogs between the header and the document. */
  notices?: ReactNode;
  /** The title field above the document (rendered once the session and identity exist). */
  title: ReactNode;
  /** The page's comments; the margin shows once the server has sent threads (viewers: if allowed). */
  comments?: CommentsState | null;
  /** Uploads image files into the document (the edit page only). */
  uploadImage?: ComponentProps<typeof CollaborativeEditor>['uploadImage'];
}

/**
 * The page around one open document, the same for editors, commenters and viewers: the header, notices,
 * the title and the document (editable only in an edit session) with its comments beside it,
 * and the word count. On a phone the header is one row: the title, the status and the menu
 * (which also holds the way home and Find, since a phone has no Ctrl+F).
 */
export function DocumentShell({ className, session, identity, editor, onEditorChange, onHomeClick, status, menu, toolbar, notices, title, comments, uploadImage }: Props) {
  const deleted = useDocumentDeleted(session?.deletion);
  // What the menu's Find calls: the find bar opens (a phone has no Ctrl+F).
  const openFind = useRef<(() => void) | null>(null);
  if (deleted) return <DeletedDocument className={className} offlineCopyRemoved={session?.kind === 'edit'} />;
  const commentsShown = Boolean(comments && editor && (comments.available || comments.canComment));
  return (
    <div className={className ? `editor-page ${className}` : 'editor-page'}>
      <header className="editor-header">
        <Link href="/" className="brand" onClick={onHomeClick}>
          Tandem
        </Link>
        {session && <HeaderTitle doc={session.doc} />}
        {status}
        <HeaderMenu>
          <Link href="/" className="header-menu-only header-menu-item" data-closes-menu onClick={onHomeClick}>
            Tandem home
          </Link>
          {session && editor && (
            <button type="button" className="header-menu-only header-menu-item" data-closes-menu onClick={() => openFind.current?.()}>
              Find in document
            </button>
          )}
          {menu}
        </HeaderMenu>
        {toolbar}
        {session && editor && <FindBar editor={editor} canReplace={session.kind === 'edit'} openerRef={openFind} />}
      </header>
      {notices}
      <main className={commentsShown ? 'editor-main editor-main-with-comments' : 'editor-main'}>
        {session && identity ? (
          <>
            <div className="document-column">
              {editor && <Outline editor={editor} />}
              {title}
              <CollaborativeEditor
                doc={session.doc}
                provider={session.provider}
                identity={identity}
                editable={session.kind === 'edit'}
                commenting={session.kind === 'comment'}
                onEditorChange={onEditorChange}
                uploadImage={session.kind === 'edit' ? uploadImage : undefined}
              />
              {/* Editors get theirs from the toolbar, with Edit and Remove. */}
              {editor && session.kind !== 'edit' && <LinkBubble editor={editor} />}
              {comments?.canComment && editor && <CommentSelectionButton editor={editor} comments={comments} />}
            </div>
            {commentsShown && <CommentsMargin editor={editor!} comments={comments!} />}
          </>
        ) : (
          <p className="muted">Opening document…</p>
        )}
      </main>
      {session && (
        <footer className="status-line">
          <WordCount editor={editor} />
          <ShortcutsDialog editable={session.kind === 'edit'} />
        </footer>
      )}
    </div>
  );
}

/** What a page shows instead of its document once the server said it was deleted (4404). */
function DeletedDocument({ className, offlineCopyRemoved }: { className?: string; offlineCopyRemoved: boolean }) {
  return (
    <div className={className ? `editor-page ${className}` : 'editor-page'}>
      <header className="editor-header">
        <Link href="/" className="brand">
          Tandem
        </Link>
      </header>
      <main className="editor-main">
        <div className="document-deleted" role="alert">
          <h1>{DOCUMENT_DELETED_NOTICE}</h1>
          <p>
            {offlineCopyRemoved
              ? 'It was removed from the server by its administrator. The copy kept on this device was removed too, and the document left your recent documents.'
              : 'It was removed from the server by its administrator, and this link no longer opens anything.'}
          </p>
          <p>
            <Link href="/">Back to the home page</Link>
          </p>
        </div>
      </main>
    </div>
  );
}
