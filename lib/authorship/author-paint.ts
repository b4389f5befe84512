/**
 * Paints a ProseMirror document by author: for each textblock, its Y.XmlElement (found
 * through the Yjs binding's mapping, Y type → ProseMirror node), its client runs
 * (client-runs.ts), each client's author (author-directory.ts), and one inline decoration per
 * run of one author. Decorations are view-only: nothing reaches the document, the Y.Doc or
 * an export.
 */
import type { Node as ProseMirrorNode } from '@tiptap/pm/model';
import { Decoration, DecorationSet } from '@tiptap/pm/view';
import * as Y from 'yjs';
import { PRESENCE_AUTHOR_PREFIX, type AuthorDirectory, type AuthorView } from './author-directory';
import { runsLength, type ClientRun } from './client-runs';

/** The binding's mapping as y-tiptap keeps it: Y types to the nodes they render as. */
export type BindingMapping = Map<Y.AbstractType<unknown>, ProseMirrorNode | ProseMirrorNode[]>;

/** Class of every painted run (app/globals.css colours it from `--author-color`). */
export const AUTHOR_RUN_CLASS = 'author-run';

/** An author whose text is in the document, and how much of it (positions). */
export interface AuthorTally extends AuthorView {
  length: number;
}

export interface AuthorPaint {
  decorations: DecorationSet;
  /** Authors with text in the document, most text first. */
  authors: AuthorTally[];
  /**
   * Clients whose text is in the document but whom the server has not named (yet): unpainted
   * (nobody knows them) or painted from presence only. Asking the server again names them.
   */
  unboundClients: number[];
  /** Textblocks left unpainted because the Y.Doc and the editor were out of step. */
  skippedBlocks: number;
}

export const EMPTY_PAINT: AuthorPaint = { decorations: DecorationSet.empty, authors: [], unboundClients: [], skippedBlocks: 0 };

const HEX_COLOR = /^#[0-9a-f]{6}$/i;

/** The decoration attributes of one author's run. Only a `#rrggbb` colour reaches the style. */
export function authorRunAttributes(author: AuthorView): { class: string; style?: string; 'data-author': string } {
  const attributes: { class: string; style?: string; 'data-author': string } = { class: AUTHOR_RUN_CLASS, 'data-author': author.id };
  if (HEX_COLOR.test(author.color)) attributes.style = `--author-color: ${author.color}`;
  return attributes;
}

/**
 * Paints `doc`, which must be the document the binding last rendered (or wrote to Yjs):
 * `mapping` leads from its textblock nodes to their Y elements. A textblock whose runs do not
 * add up to its content size (the editor holds a change Yjs has not got yet) stays unpainted.
 */
export function paintAuthors(
  doc: ProseMirrorNode,
  mapping: BindingMapping,
  runsOf: (element: Y.XmlElement) => readonly ClientRun[],
  directory: AuthorDirectory,
): AuthorPaint {
  const elements = new Map<ProseMirrorNode, Y.XmlElement>();
  mapping.forEach((node, type) => {
    if (type instanceof Y.XmlElement && !Array.isArray(node) && node.isTextblock) elements.set(node, type);
  });
  const decorations: Decoration[] = [];
  const tallies = new Map<string, AuthorTally>();
  const unbound = new Set<number>();
  let skippedBlocks = 0;

  doc.descendants((node, pos) => {
    if (!node.isTextblock) return true;
    const element = elements.get(node);
    const runs = element ? runsOf(element) : null;
    if (!runs || runsLength(runs) !== node.content.size) {
      if (node.content.size > 0) skippedBlocks++;
      return false;
    }
    let at = pos + 1;
    // The author whose run is open, and where it began.
    let runAuthor = null as AuthorView | null;
    let runFrom = at;
    for (const run of runs) {
      const author = directory.authorOf(run.client);
      if (!author || author.id.startsWith(PRESENCE_AUTHOR_PREFIX)) unbound.add(run.client);
      if (author) tally(tallies, author, run.length);
      if (runAuthor?.id !== author?.id) {
        if (runAuthor) decorations.push(runDecoration(runFrom, at, runAuthor));
        runAuthor = author;
        runFrom = at;
      }
      at += run.length;
    }
    if (runAuthor && at > runFrom) decorations.push(runDecoration(runFrom, at, runAuthor));
    return false;
  });

  return {
    decorations: DecorationSet.create(doc, decorations),
    authors: [...tallies.values()].sort((a, b) => b.length - a.length || a.name.localeCompare(b.name)),
    unboundClients: [...unbound].sort((a, b) => a - b),
    skippedBlocks,
  };
}

/** One author's run; its spec names the author, for readers of the decoration set. */
function runDecoration(from: number, to: number, author: AuthorView): Decoration {
  return Decoration.inline(from, to, authorRunAttributes(author), { author: author.id });
}

function tally(tallies: Map<string, AuthorTally>, author: AuthorView, length: number): void {
  const existing = tallies.get(author.id);
  if (existing) existing.length += length;
  else tallies.set(author.id, { ...author, length });
}
