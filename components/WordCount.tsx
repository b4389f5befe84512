'use client';
import type { Editor } from '@tiptap/core';
import { useWordCount } from './hooks/use-word-count';

// One formatter for every render: toLocaleString() sets one up per call, which showed in profiles of typing.
const NUMBER = new Intl.NumberFormat();
const plural = (count: number, one: string, many: string) => `${NUMBER.format(count)} ${count === 1 ? one : many}`;

/**
 * Words and characters in the document, in the status line. Deliberately not a live region:
 * a screen reader would otherwise read it after every keystroke; it is there when looked for.
 */
export function WordCount({ editor }: { editor: Editor | null }) {
  const { words, characters } = useWordCount(editor);
  return (
    <p className="word-count">
      {plural(words, 'word', 'words')} · {plural(characters, 'character', 'characters')}
    </p>
  );
}
