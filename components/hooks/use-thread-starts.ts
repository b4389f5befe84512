'use client';
import type { Editor } from '@tiptap/react';
import { useEffect, useRef, useState, type RefObject } from 'react';
import { commentRangesIn } from '../../lib/editor/comment-mark';

/** Where each thread's text starts in the document, threads in document order. */
export type ThreadStarts = ReadonlyMap<string, number>;

export interface ThreadStartsState {
  /** Always the current document's starts (updated on every change, without a render). */
  startsRef: RefObject<ThreadStarts>;
  /**
   * The threads with text, in document order, as one string: it changes, and the caller
   * renders, only when a thread's text appears, disappears or moves past another thread's,
   * not on each keystroke that shifts every position after it.
   */
  order: string;
}

function startsOf(editor: Editor): ThreadStarts {
  const starts = new Map<string, number>();
  for (const [threadId, ranges] of commentRangesIn(editor.state)) starts.set(threadId, ranges[0].from);
  return starts;
}

/** Ids hold no spaces (COMMENT_ID_PATTERN). */
function orderOf(starts: ThreadStarts): string {
  return [...starts.keys()].join(' ');
}

/** The editor's thread starts, kept current as the document changes (see ThreadStartsState). */
export function useThreadStarts(editor: Editor): ThreadStartsState {
  const [initial] = useState(() => startsOf(editor));
  const startsRef = useRef<ThreadStarts>(initial);
  const [order, setOrder] = useState(() => orderOf(initial));

  useEffect(() => {
    const refresh = () => {
      startsRef.current = startsOf(editor);
      setOrder(orderOf(startsRef.current));
    };
    refresh();
    const onTransaction = ({ transaction }: { transaction: { docChanged: boolean } }) => {
      if (transaction.docChanged) refresh();
    };
    editor.on('transaction', onTransaction);
    return () => {
      editor.off('transaction', onTransaction);
    };
  }, [editor]);

  return { startsRef, order };
}
