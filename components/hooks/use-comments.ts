'use client';
import type { Editor } from '@tiptap/react';
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { CommentsClient, ThreadsById } from '../../lib/client/comments-client';
import { authorIdForKey } from '../../lib/authorship/own-author-id';
import { commentTargetFor, type CommentTarget } from '../../lib/editor/comment-anchor';
import { syncSelectionFromBrowser } from '../../lib/editor/editor-selection';
import type { Identity } from '../../lib/prefs/identity';

const NO_THREADS: ThreadsById = {};

/** The page's comment state, shared by the header's Comment button, the document and the margin. */
export interface CommentsState {
  client: CommentsClient;
  threads: ThreadsById;
  /** Whether the server sent the threads at all (a viewer gets them only when the room allows). */
  available: boolean;
  /** Edit and comment sessions may comment; viewers only read. */
  canComment: boolean;
  /** Only editors may delete threads with other people's comments (the server checks). */
  isEditor: boolean;
  ownAuthorId: string;
  /** The selection a new thread is being written about, or null. */
  target: CommentTarget | null;
  /** Opens the composer on the editor's selection, or says why not (`refusal`). */
  startComment: () => void;
  /** Why the last Comment could not start (nothing or too much selected), until the next. */
  refusal: string | null;
  cancelComment: () => void;
  selected: string | null;
  select: (threadId: string | null) => void;
}

/**
 * The comment state of one open document: its threads (from the session's comments client),
 * this browser's author id, the composer's target and the selected thread.
 */
export function useComments(
  client: CommentsClient | undefined,
  editor: Editor | null,
  identity: Identity | null,
  kind: 'edit' | 'comment' | 'view',
): CommentsState | null {
  const threads = useSyncExternalStore(
    client?.subscribe ?? noSubscription,
    client?.getThreads ?? noThreads,
    noThreads,
  );
  const available = useSyncExternalStore(client?.subscribe ?? noSubscription, client?.hasReceived ?? never, never);
  const [target, setTarget] = useState<CommentTarget | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const editorRef = useRef(editor);
  useEffect(() => {
    editorRef.current = editor;
  }, [editor]);
  const canComment = kind !== 'view';

  const startComment = useCallback(() => {
    const current = editorRef.current;
    if (!current || !canComment) return;
    syncSelectionFromBrowser(current.view);
    const next = commentTargetFor(current);
    if ('refused' in next) return setRefusal(next.refused);
    setRefusal(null);
    setTarget(next);
    setSelected(null);
  }, [canComment]);
  const cancelComment = useCallback(() => setTarget(null), []);
  // The server's word when it has spoken (it knows a token's `sub`); until then the author key's.
  const toldAuthorId = useSyncExternalStore(client?.subscribe ?? noSubscription, client?.getAuthorId ?? noAuthor, noAuthor);
  const keyAuthorId = useMemo(() => (identity ? authorIdForKey(identity.authorKey) : ''), [identity]);
  const ownAuthorId = toldAuthorId ?? keyAuthorId;

  if (!client) return null;
  return {
    client,
    threads,
    available,
    canComment,
    isEditor: kind === 'edit',
    ownAuthorId,
    target,
    startComment,
    refusal,
    cancelComment,
    selected,
    select: setSelected,
  };
}

function noSubscription(): () => void {
  return () => {};
}

function noThreads(): ThreadsById {
  return NO_THREADS;
}

function noAuthor(): string | null {
  return null;
}

function never(): boolean {
  return false;
}
