/**
 * The page side of binding-page.ts, bundled for Chromium: TipTap editors with the document's own
 * extensions (lib/editor/editor-extensions.ts) bound through the Collaboration extension (so
 * through y-tiptap's ySyncPlugin, as in the app) to one Y.Doc each, mounted in the page. The docs
 * are connected by hand: `sync()` sends each one what the others lack, so a test decides when a
 * change becomes remote. Exposed as `window.bindingPage`.
 */
import { Editor, type JSONContent } from '@tiptap/core';
import Collaboration from '@tiptap/extension-collaboration';
import { CharacterCount } from '@tiptap/extensions';
import {
  absolutePositionToRelativePosition,
  prosemirrorJSONToYXmlFragment,
  relativePositionToAbsolutePosition,
  ySyncPluginKey,
  yXmlFragmentToProseMirrorRootNode,
} from '@tiptap/y-tiptap';
import type { Node as PMNode } from '@tiptap/pm/model';
import { Fragment, Slice } from '@tiptap/pm/model';
import { TextSelection } from '@tiptap/pm/state';
import { canJoin, canSplit } from '@tiptap/pm/transform';
import * as Y from 'yjs';
import { CommentHighlights } from '../../lib/editor/comment-mark';
import { contentExtensions, documentSchema } from '../../lib/editor/editor-extensions';
import { CONTENT_FRAGMENT_NAME } from '../../lib/protocol/document-schema';

export interface Peer {
  doc: Y.Doc;
  editor: Editor;
}

const peers: Peer[] = [];

/** Replaces the page's editors by `count` new ones, all holding `content` (a doc's JSON). */
function create(count: number, content: JSONContent | null): void {
  for (const peer of peers.splice(0)) {
    peer.editor.destroy();
    peer.doc.destroy();
  }
  document.body.replaceChildren();
  // Fixed client ids: concurrent edits resolve by client id, so a seeded run repeats exactly.
  const seed = new Y.Doc();
  seed.clientID = 1;
  if (content) prosemirrorJSONToYXmlFragment(documentSchema(), content, seed.getXmlFragment(CONTENT_FRAGMENT_NAME));
  for (let i = 0; i < count; i++) {
    const doc = new Y.Doc();
    doc.clientID = 100 + i;
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(seed));
    const element = document.createElement('div');
    element.dataset.peer = String(i);
    document.body.append(element);
    const editor = new Editor({
      element,
      extensions: [
        // TipTap's trailing node (StarterKit) answers a remote change that leaves a heading last with
        // a paragraph of its own, inside the binding's remote transaction, so Yjs never gets it and
        // the editors differ from Yjs until someone types (upstream behaviour, patched or not): off
        // here, where what is tested is the binding.
        ...contentExtensions().map((extension) => (extension.name === 'starterKit' ? extension.configure({ ...extension.options, trailingNode: false }) : extension)),
        Collaboration.configure({ document: doc, field: CONTENT_FRAGMENT_NAME }),
        // Tandem's own plugins that read every transaction, as the live editor has them.
        CommentHighlights,
        CharacterCount,
      ],
    });
    peers.push({ doc, editor });
  }
}

/**
 * Sends every doc what the others lack, until all hold the same state (a binding may answer a
 * remote change with a change of its own, e.g. dropping content its schema refuses).
 */
function sync(): void {
  // State vectors and delete sets: a binding's answer may be a deletion alone.
  const converged = () => peers.every((peer) => Y.equalSnapshots(Y.snapshot(peer.doc), Y.snapshot(peers[0].doc)));
  for (let round = 0; round < 20; round++) {
    for (const from of peers) {
      for (const to of peers) {
        if (from === to) continue;
        const update = Y.encodeStateAsUpdate(from.doc, Y.encodeStateVector(to.doc));
        Y.applyUpdate(to.doc, update, 'remote');
      }
    }
    if (converged()) return;
  }
  throw new Error('the docs did not converge in 20 rounds');
}

/** One peer's document as y-tiptap builds it from Yjs alone, with nothing cached (the "Yjs content"). */
function yjsDoc(i: number): PMNode {
  return yXmlFragmentToProseMirrorRootNode(peers[i].doc.getXmlFragment(CONTENT_FRAGMENT_NAME), peers[i].editor.schema);
}

/** Whether two documents hold the same content (each editor has a schema of its own, so `eq` cannot tell). */
function same(a: PMNode, b: PMNode): boolean {
  return JSON.stringify(a.toJSON()) === JSON.stringify(b.toJSON());
}

/** What y-tiptap's sync plugin state holds of the binding: the bound fragment and the Y → ProseMirror mapping. */
interface SyncState {
  type: Y.XmlFragment;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- keyed by any Yjs type, as y-tiptap declares it
  binding: { mapping: Map<Y.AbstractType<any>, PMNode | PMNode[]> };
}

/** Peer `i`'s binding (y-tiptap's sync plugin state). */
function binding(i: number): SyncState {
  return ySyncPluginKey.getState(peers[i].editor.state) as SyncState;
}

/**
 * Where peer `from`'s position `pos` lands in peer `to`'s document, through a Yjs relative
 * position resolved against `to`'s binding mapping: what a remote caret's decoration does.
 */
function mapPosition(from: number, to: number, pos: number): number | null {
  return resolveOn(to, relativeAt(from, pos));
}

/** A seeded generator (mulberry32): the same seed makes the same edits. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Positions inside textblocks (where a caret can be) of `doc`, never between the two halves of a
 * surrogate pair (no editor puts a caret there; Yjs would store a lone half as U+FFFD).
 */
function textPositions(doc: PMNode): number[] {
  const positions: number[] = [];
  doc.descendants((node, pos) => {
    if (!node.isTextblock) return true;
    const text = node.textBetween(0, node.content.size, undefined, '\ufffc');
    for (let offset = 0; offset <= node.content.size; offset++) {
      const before = text.charCodeAt(offset - 1);
      if (before >= 0xd800 && before <= 0xdbff) continue;
      positions.push(pos + 1 + offset);
    }
    return false;
  });
  return positions;
}

const WORDS = ['alpha', 'beta', ' ', 'gamma ', 'δ', 'e', '\u{1F600}', 'zeta '];

/**
 * One random local edit on `peer`, as a person's editor makes it (a ProseMirror transaction the
 * binding turns into Yjs): type, delete, split or join paragraphs, move a block (what a drag and
 * drop does), bold or unbold, turn a block into a heading and back; then the caret goes somewhere.
 * Returns what it did.
 */
function randomEdit(peer: Peer, next: () => number): string {
  const pick = <T,>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
  const { state } = peer.editor;
  const doc = state.doc;
  const positions = textPositions(doc);
  const at = pick(positions);
  const tr = state.tr;
  const kind = pick(['type', 'type', 'type', 'delete', 'split', 'join', 'move', 'mark', 'unmark', 'heading']);
  let did = kind;
  if (kind === 'type') {
    tr.insertText(pick(WORDS), at);
  } else if (kind === 'delete' || kind === 'mark' || kind === 'unmark') {
    const $at = doc.resolve(at);
    const end = positions.find((p) => p >= Math.min($at.end(), at + 1 + Math.floor(next() * 8))) ?? at;
    const to = kind === 'delete' && next() < 0.15 ? pick(positions.filter((p) => p >= at)) : end;
    if (to <= at) return 'nothing';
    if (kind === 'delete') tr.delete(at, to);
    else if (kind === 'mark') tr.addMark(at, to, state.schema.marks.bold.create());
    else tr.removeMark(at, to, state.schema.marks.bold);
    did = `${kind} ${at}..${to}`;
  } else if (kind === 'split') {
    if (!canSplit(doc, at)) return 'nothing';
    tr.split(at);
  } else if (kind === 'join') {
    if (doc.childCount < 2) return 'nothing';
    const index = 1 + Math.floor(next() * (doc.childCount - 1));
    let boundary = 0;
    for (let i = 0; i < index; i++) boundary += doc.child(i).nodeSize;
    // Two textblocks, as Backspace at a paragraph's start joins them.
    if (!doc.child(index - 1).isTextblock || !doc.child(index).isTextblock || !canJoin(doc, boundary)) return 'nothing';
    tr.join(boundary);
  } else if (kind === 'move') {
    if (doc.childCount < 2) return 'nothing';
    const from = Math.floor(next() * doc.childCount);
    const block = doc.child(from);
    let start = 0;
    for (let i = 0; i < from; i++) start += doc.child(i).nodeSize;
    tr.delete(start, start + block.nodeSize);
    const boundaries = [0];
    tr.doc.forEach((child, offset) => boundaries.push(offset + child.nodeSize));
    const target = pick(boundaries);
    tr.insert(target, block);
    did = `move block ${from} to ${target}`;
  } else {
    const $at = doc.resolve(at);
    const block = $at.node(1);
    if (!block || !block.isTextblock) return 'nothing';
    const paragraph = state.schema.nodes.paragraph;
    const heading = state.schema.nodes.heading;
    const type = block.type === heading ? paragraph : heading;
    tr.setNodeMarkup($at.before(1), type, type === heading ? { level: 2 } : null);
  }
  const after = textPositions(tr.doc);
  if (after.length) tr.setSelection(TextSelection.create(tr.doc, pick(after)));
  peer.editor.view.dispatch(tr);
  return did;
}

/** Peer `p`'s position `pos` as a Yjs relative position, made through its binding's mapping. */
function relativeAt(p: number, pos: number): ReturnType<typeof absolutePositionToRelativePosition> {
  const { type, binding: own } = binding(p);
  return absolutePositionToRelativePosition(pos, type, own.mapping);
}

/** Where a relative position lands in peer `p`'s document, through its binding's mapping. */
function resolveOn(p: number, relative: ReturnType<typeof absolutePositionToRelativePosition>): number | null {
  const { type, binding: own } = binding(p);
  return relativePositionToAbsolutePosition(peers[p].doc, type, relative, own.mapping);
}

const api = { relativeAt, resolveOn, peers, create, sync, yjsDoc, same, binding, mapPosition, random, randomEdit, textPositions, Y, Fragment, Slice, TextSelection };

declare global {
  interface Window {
    bindingPage: typeof api;
  }
}

window.bindingPage = api;
