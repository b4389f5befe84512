/**
 * The changes a rendered diff shows, read back from the `ychange` marks and node attributes
 * y-tiptap put in the viewer's document: one entry per run of one author's insertion or
 * deletion, in document order, for the "changes" count and the previous/next buttons.
 */
import type { Node as ProseMirrorNode } from '@tiptap/pm/model';
import { YCHANGE, type YChange } from './history-schema';

export interface Change {
  /** Document positions of the change, `[from, to)`. */
  from: number;
  to: number;
  type: 'added' | 'removed';
  /** Author id (y-tiptap's `user`). */
  author: string;
}

/**
 * The changes in `doc`, in order. Adjacent or nested pieces of the same kind by the same
 * author are one change: the text of an added paragraph belongs to the paragraph's change,
 * and a word typed across a bold boundary is one insertion, not two.
 */
export function listChanges(doc: ProseMirrorNode): Change[] {
  const pieces: Change[] = [];
  doc.descendants((node, pos) => {
    const nodeChange = node.attrs[YCHANGE] as YChange | null | undefined;
    if (isChange(nodeChange)) pieces.push({ from: pos, to: pos + node.nodeSize, type: nodeChange.type, author: String(nodeChange.user) });
    for (const mark of node.marks) {
      if (mark.type.name === YCHANGE && isChange(mark.attrs as YChange)) {
        pieces.push({ from: pos, to: pos + node.nodeSize, type: mark.attrs.type as Change['type'], author: String(mark.attrs.user) });
      }
    }
  });
  // descendants() visits in document order, parents before children, so `from` never decreases.
  const changes: Change[] = [];
  for (const piece of pieces) {
    const last = changes[changes.length - 1];
    if (last && last.type === piece.type && last.author === piece.author && piece.from <= last.to) {
      last.to = Math.max(last.to, piece.to);
    } else {
      changes.push({ ...piece });
    }
  }
  return changes;
}

function isChange(change: YChange | null | undefined): change is YChange {
  return !!change && (change.type === 'added' || change.type === 'removed');
}
