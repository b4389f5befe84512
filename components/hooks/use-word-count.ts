'use client';
import type { Editor, EditorEvents } from '@tiptap/core';
import { useMemo, useSyncExternalStore } from 'react';
import { cancelIdle, whenIdle } from '../../lib/client/idle-callback';
import { countWords, NO_WORDS, type WordCount } from '../../lib/editor/word-count';

/** How long a recount may wait for the browser to be idle after a change. */
const RECOUNT_TIMEOUT_MS = 500;

/**
 * Words and characters in the document, recounted when anyone changes it: once per burst of
 * changes, in idle time after the frame that shows them, so a keystroke never waits for it.
 */
export function useWordCount(editor: Editor | null): WordCount {
  const store = useMemo(() => createWordCountStore(editor), [editor]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, () => NO_WORDS);
}

function countOf(editor: Editor | null): WordCount {
  if (!editor || editor.isDestroyed) return NO_WORDS;
  return countWords(editor.state.doc);
}

function createWordCountStore(editor: Editor | null) {
  let snapshot = countOf(editor);
  const refresh = (onChange: () => void) => {
    const next = countOf(editor);
    if (next.words === snapshot.words && next.characters === snapshot.characters) return;
    snapshot = next;
    onChange();
  };
  return {
    subscribe(onChange: () => void) {
      if (!editor) return () => {};
      let scheduled: number | null = null;
      const recount = () => {
        scheduled = null;
        refresh(onChange);
      };
      // 'transaction', not 'update': changes arriving from other people through Yjs count too.
      const onTransaction = ({ transaction }: EditorEvents['transaction']) => {
        if (transaction.docChanged && scheduled === null) scheduled = whenIdle(recount, RECOUNT_TIMEOUT_MS);
      };
      editor.on('transaction', onTransaction);
      refresh(onChange);
      return () => {
        editor.off('transaction', onTransaction);
        if (scheduled !== null) cancelIdle(scheduled);
      };
    },
    getSnapshot: () => snapshot,
  };
}
