/**
 * Paints a ProseMirror document by author: for each textblock, its Y.XmlElement (found
 * through the Yjs binding's mapping, Y type → ProseMirror node), its client runs
 * (client-runs.ts), each client's author, or for restored text its original author's
 * (author-directory.ts), and one inline decoration per run of one author. Decorations are view-only: nothing reaches the document, the Y.Doc or
 * an export.
 */
import type { Node as ProseMirrorNode } from '@tiptap/pm/model';
import { Mapping, StepMap } from '@tiptap/pm/transform';
import { Decoration, DecorationSet } from '@tiptap/pm/view';
import * as Y from 'yjs';
import { PRESENCE_AUTHOR_PREFIX, type AuthorDirectory, type AuthorView, type AuthorVisitor } from './author-directory';
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
 * A repaint of part of the document: the previous decorations, already mapped onto the new
 * document, and which textblocks to paint again (the rest keep their decorations).
 */
export interface PaintSince {
  decorations: DecorationSet;
  /** Whether a textblock's Yjs content changed since (or is new): it is painted again. */
  changed: (element: Y.XmlElement) => boolean;
  /**
   * The new document's positions docChange found changed: the textblocks there are painted
   * again too, since the mapping drops decorations anywhere between two changed places.
   */
  range: { from: number; to: number } | null;
}

/**
 * The change between two renderings of the document, as a mapping for the old decorations
 * and the range of the new document it spans; null when they are the same. (The binding
 * replaces whole top-level nodes for every change from Yjs, the changed ones with
 * patches/@tiptap+y-tiptap+3.0.9.patch and the whole document without it, which would map the
 * decorations in them away.)
 */
export function docChange(before: ProseMirrorNode, after: ProseMirrorNode): { mapping: Mapping; range: { from: number; to: number } } | null {
  const start = before.content.findDiffStart(after.content);
  if (start === null) return null;
  let { a: endBefore, b: endAfter } = before.content.findDiffEnd(after.content) ?? { a: before.content.size, b: after.content.size };
  // Repeated content lets the two scans cross; widen both ends alike.
  const overlap = start - Math.min(endBefore, endAfter);
  if (overlap > 0) {
    endBefore += overlap;
    endAfter += overlap;
  }
  return { mapping: new Mapping([new StepMap([start, endBefore - start, endAfter - start])]), range: { from: start, to: endAfter } };
}

/**
 * Paints `doc`, which must be the document the binding last rendered (or wrote to Yjs):
 * `mapping` leads from its textblock nodes to their Y elements. A textblock whose runs do not
 * add up to its content size (the editor holds a change Yjs has not got yet) stays unpainted.
 * With `since`, only changed textblocks get new decorations (building a whole decoration set
 * is most of a full paint's cost); the legend is always counted over the whole document.
 */
export function paintAuthors(
  doc: ProseMirrorNode,
  mapping: BindingMapping,
  runsOf: (element: Y.XmlElement) => readonly ClientRun[],
  directory: AuthorDirectory,
  since?: PaintSince,
): AuthorPaint {
  const elements = new Map<ProseMirrorNode, Y.XmlElement>();
  mapping.forEach((node, type) => {
    if (type instanceof Y.XmlElement && !Array.isArray(node) && node.isTextblock) elements.set(node, type);
  });
  const decorations: Decoration[] = [];
  const outdated: Decoration[] = [];
  const tallies = new Map<string, AuthorTally>();
  const unbound = new Set<number>();
  let skippedBlocks = 0;
  const count = (client: number, author: AuthorView | null, length: number) => {
    if (!author || author.id.startsWith(PRESENCE_AUTHOR_PREFIX)) unbound.add(client);
    if (author) tally(tallies, author, length);
  };
  // A run's positions by author: its client's, but where attribution overrides say otherwise
  // (restored text is its original author's), split at their edges.
  const eachAuthor = (run: ClientRun, visit: AuthorVisitor) => directory.eachAuthor(run.client, run.clock, run.length, visit);

  doc.descendants((node, pos) => {
    if (!node.isTextblock) return true;
    const element = elements.get(node);
    const inRange = since?.range != null && pos <= since.range.to && pos + node.nodeSize >= since.range.from;
    const repaint = !since || !element || inRange || since.changed(element);
    const runs = element ? runsOf(element) : null;
    if (since && repaint) outdated.push(...since.decorations.find(pos, pos + node.nodeSize));
    if (!runs || runsLength(runs) !== node.content.size) {
      if (node.content.size > 0) skippedBlocks++;
      return false;
    }
    if (!repaint) {
      for (const run of runs) eachAuthor(run, count);
      return false;
    }
    let at = pos + 1;
    // The author whose run is open, and where it began.
    let runAuthor = null as AuthorView | null;
    let runFrom = at;
    const paintSpan = (client: number, author: AuthorView | null, length: number) => {
      count(client, author, length);
      if (runAuthor?.id !== author?.id) {
        if (runAuthor) decorations.push(runDecoration(runFrom, at, runAuthor));
        runAuthor = author;
        runFrom = at;
      }
      at += length;
    };
    for (const run of runs) eachAuthor(run, paintSpan);
    if (runAuthor && at > runFrom) decorations.push(runDecoration(runFrom, at, runAuthor));
    return false;
  });

  return {
    decorations: since ? since.decorations.remove(outdated).add(doc, decorations) : DecorationSet.create(doc, decorations),
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
