/**
 * Words and characters of a document, as the status line shows them, without walking the whole
 * document on every change. ProseMirror nodes are immutable and a transaction keeps every block
 * it did not touch as the same object, so each top-level block's count is kept by node identity
 * (a WeakMap: a block no document holds any more is collected): a keystroke in a 100k-character
 * document recounts one paragraph and looks up the rest.
 *
 * The counting is CharacterCount's (`@tiptap/extensions`, mode `textSize`): characters are the
 * text's length with each inline leaf (a hard break) counting one; words are the runs of
 * non-spaces when every block and leaf is read as a space.
 */
import type { Node as ProseMirrorNode } from '@tiptap/pm/model';

export interface WordCount {
  words: number;
  characters: number;
}

export const NO_WORDS: WordCount = { words: 0, characters: 0 };

const counted = new WeakMap<ProseMirrorNode, WordCount>();

/** The counts of `doc`, reusing those of blocks already counted. */
export function countWords(doc: ProseMirrorNode): WordCount {
  let words = 0;
  let characters = 0;
  doc.forEach((block) => {
    const count = blockCount(block);
    words += count.words;
    characters += count.characters;
  });
  return { words, characters };
}

function blockCount(block: ProseMirrorNode): WordCount {
  let count = counted.get(block);
  if (count === undefined) {
    const size = block.content.size;
    count = {
      words: block.textBetween(0, size, ' ', ' ').split(' ').filter((word) => word !== '').length,
      characters: block.textBetween(0, size, undefined, ' ').length,
    };
    counted.set(block, count);
  }
  return count;
}
