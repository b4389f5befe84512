'use client';
import type { Editor, EditorEvents } from '@tiptap/core';
import { useMemo, useSyncExternalStore } from 'react';

export interface WordCount {
  words: number;
  characters: number;
}

const NOTHING: WordCount = { words: 0, characters: 0 };

/** Words and characters in the document (CharacterCount), recounted when anyone changes it. */
export function useWordCount(editor: Editor | null): WordCount {
  const store = useMemo(() => createWordCountStore(editor), [editor]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, () => NOTHING);
}

function countOf(editor: Editor | null): WordCount {
  if (!editor || editor.isDestroyed) return NOTHING;
  return { words: editor.storage.characterCount.words(), characters: editor.storage.characterCount.characters() };
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
      // 'transaction', not 'update': changes arriving from other people through Yjs count too.
      const onTransaction = ({ transaction }: EditorEvents['transaction']) => {
        if (transaction.docChanged) refresh(onChange);
      };
      editor.on('transaction', onTransaction);
      refresh(onChange);
      return () => {
        editor.off('transaction', onTransaction);
      };
    },
    getSnapshot: () => snapshot,
  };
}
