'use client';
import type { Editor } from '@tiptap/react';
import { useCallback, useEffect, useMemo, useState, type MouseEvent } from 'react';
import { ConnectionIndicator } from './ConnectionIndicator';
import { DocumentShell } from './DocumentShell';
import { DocumentTitle } from './DocumentTitle';
import { ExportMenu } from './ExportMenu';
import { useAuthorColors } from './hooks/use-author-colors';
import { useComments } from './hooks/use-comments';
import { useDocumentSession } from './hooks/use-document-session';
import { useIdentity } from './hooks/use-identity';
import { useModAltShiftShortcut } from './hooks/use-key-shortcut';
import { useLeaveGuard } from './hooks/use-leave-guard';
import { usePendingImport } from './hooks/use-pending-import';
import { rememberDocument } from './hooks/use-recent-documents';
import { useShowAuthors } from './hooks/use-show-authors';
import { PresenceBar } from './PresenceBar';
import { SaveStatus } from './SaveStatus';
import { ShareDialog } from './ShareDialog';
import { AuthorLegend, ShowAuthorsButton } from './ShowAuthors';
import { ThemeToggle } from './ThemeToggle';
import { TokenNotice } from './TokenNotice';
import { Toolbar } from './Toolbar';
import { ariaKeyShortcut, SHORTCUTS, shortcutLabel } from './toolbar/shortcuts';
import { VersionHistory } from './VersionHistory';
import { uploadImage } from '../lib/client/image-upload-client';
import type { Identity } from '../lib/prefs/identity';
import type { VersionRequester } from '../lib/protocol/history-api';

interface Props {
  room: string;
  syncUrl: string | null;
  /** The server requires tokens (AUTH_SECRET set): fetch an edit token before connecting. */
  tokenMode: boolean;
}

const UNSAVED_LEAVE_QUESTION = 'Some changes are not on the server yet (they are kept on this device). Leave anyway?';

/** The editor page for one room: its layout around the edit session (use-document-session.ts). */
export function EditorPage({ room, syncUrl, tokenMode }: Props) {
  const session = useDocumentSession({ kind: 'edit', room, syncUrl, tokenMode });
  const [identity, setIdentity] = useIdentity();
  const [sharing, setSharing] = useState(false);
  const [viewingHistory, setViewingHistory] = useState(false);
  const [editor, setEditor] = useState<Editor | null>(null);
  const [showingAuthors, setShowingAuthors] = useShowAuthors();
  const authors = useAuthorColors(editor, session, { room }, identity, showingAuthors);
  const comments = useComments(session?.comments, editor, identity, 'edit');
  const upload = useMemo(() => {
    if (!session) return undefined;
    const endpoint = { apiBase: session.apiBase, room, token: () => (session.tokens ? session.tokens.getToken() : Promise.resolve(null)) };
    return (file: File, onProgress: (share: number) => void) => uploadImage(endpoint, file, onProgress);
  }, [session, room]);

  useEffect(() => rememberDocument(room), [room]);
  usePendingImport(room, session?.doc, session?.connection, editor);
  // A deleted document has nothing left to save: leaving it never asks.
  useLeaveGuard(useCallback(() => (session?.tracker.hasUnsavedChanges ?? false) && !session?.deletion.getState(), [session]));
  useModAltShiftShortcut('H', useCallback(() => setViewingHistory(true), []));

  // In-app navigation skips beforeunload, so the leave guard asks here too.
  const confirmLeaving = (event: MouseEvent<HTMLAnchorElement>) => {
    if (session?.tracker.hasUnsavedChanges && !window.confirm(UNSAVED_LEAVE_QUESTION)) event.preventDefault();
  };
  const menu = (
    <>
      {session && <ConnectionIndicator connection={session.connection} />}
      {session && (
        <button type="button" className="button-secondary share-button" aria-haspopup="dialog" onClick={() => setSharing(true)}>
          Share
        </button>
      )}
      {session && (
        <button
          type="button"
          className="button-secondary"
          aria-haspopup="dialog"
          aria-keyshortcuts={ariaKeyShortcut(SHORTCUTS.versionHistory)}
          title={`Version history (${shortcutLabel(SHORTCUTS.versionHistory)})`}
          onClick={() => setViewingHistory(true)}
        >
          Version history
        </button>
      )}
      {session && identity && (
        <PresenceBar awareness={session.provider.awareness} identity={identity} onIdentityChange={setIdentity} editor={editor} />
      )}
      {session && editor && <ExportMenu editor={editor} doc={session.doc} threads={comments?.threads} />}
      {editor && <ShowAuthorsButton on={showingAuthors} onChange={setShowingAuthors} />}
      <ThemeToggle />
    </>
  );
  const notices = (
    <>
      {session?.tokens && <TokenNotice keeper={session.tokens} />}
      {editor && showingAuthors && <AuthorLegend authors={authors.legend} failure={authors.failure} />}
      {session && sharing && (
        <ShareDialog room={room} apiBase={session.apiBase} tokens={session.tokens} onClose={() => setSharing(false)} />
      )}
      {session && identity && viewingHistory && (
        <VersionHistory
          room={room}
          apiBase={session.apiBase}
          tokens={session.tokens}
          liveDoc={session.doc}
          requester={requesterFor(identity)}
          onClose={() => setViewingHistory(false)}
        />
      )}
    </>
  );
  return (
    <DocumentShell
      session={session}
      identity={identity}
      editor={editor}
      onEditorChange={setEditor}
      onHomeClick={confirmLeaving}
      status={session && <SaveStatus tracker={session.tracker} />}
      menu={menu}
      toolbar={editor && <Toolbar editor={editor} onComment={comments?.startComment} />}
      notices={notices}
      title={session && <DocumentTitle doc={session.doc} editor={editor} room={room} />}
      comments={comments}
      uploadImage={upload}
    />
  );
}

/** This browser as the history API's requester: its name, colour and (once it has one) author key. */
function requesterFor(identity: Identity): VersionRequester {
  return { authorName: identity.name, authorColor: identity.color, authorKey: identity.authorKey };
}
