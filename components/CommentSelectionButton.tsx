'use client';
import type { Editor } from '@tiptap/react';
import { useEffect, useRef, useState } from 'react';
import { useModAltShortcut } from './hooks/use-key-shortcut';
import type { CommentsState } from './hooks/use-comments';

interface Props {
  editor: Editor;
  comments: CommentsState;
}

/** Where the bubble sits, relative to the document column. */
interface BubblePlace {
  top: number;
  left: number;
}

/**
 * The "Comment" bubble beside selected text, and Ctrl+Alt+M from anywhere on the page: both
 * open the composer on the editor's selection.
 */
export function CommentSelectionButton({ editor, comments }: Props) {
  const [place, setPlace] = useState<BubblePlace | null>(null);
  const anchorRef = useRef<HTMLSpanElement>(null);
  useModAltShortcut('M', comments.startComment);

  useEffect(() => {
    const follow = () => {
      const { from, to, empty } = editor.state.selection;
      const column = anchorRef.current?.parentElement;
      if (empty || !column || editor.isDestroyed || comments.target) return setPlace(null);
      const box = column.getBoundingClientRect();
      const end = editor.view.coordsAtPos(to);
      const start = editor.view.coordsAtPos(from);
      setPlace({ top: end.bottom - box.top + 4, left: Math.max(0, Math.min(start.left, end.left) - box.left) });
    };
    follow();
    editor.on('selectionUpdate', follow);
    editor.on('update', follow);
    return () => {
      editor.off('selectionUpdate', follow);
      editor.off('update', follow);
    };
  }, [editor, comments.target]);

  return (
    <span ref={anchorRef} className="comment-bubble-anchor">
      {place && (
        <button
          type="button"
          className="comment-bubble button-primary"
          style={{ top: place.top, left: place.left }}
          aria-keyshortcuts="Control+Alt+M"
          title="Comment on the selection (Ctrl+Alt+M)"
          // Keep the selection the comment is about.
          onMouseDown={(event) => event.preventDefault()}
          onClick={() => comments.startComment()}
        >
          Comment
        </button>
      )}
    </span>
  );
}
