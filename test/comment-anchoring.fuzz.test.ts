/**
 * Randomized anchoring: a document of paragraphs with threads marked by the server's own
 * `markAnchorUpdate`, then thousands of random edits made as y-tiptap makes them (ProseMirror
 * transforms written with updateYFragment, test/support/headless-editor.ts): typing inside and
 * at the edges of commented text (with the marks ProseMirror gives typed text there), deleting
 * within and across paragraphs, splitting and joining paragraphs, toggling bold and inline code
 * over commented text, undoing through a Y.UndoManager, and new threads made along the way.
 *
 * A model follows every character: which threads marked it when it was marked. After each
 * edit, the document read back through y-tiptap's schema must hold exactly the model's text
 * (nothing dropped by a schema error) and every character exactly the model's threads: a
 * thread whose text still exists stays anchored on all of it, and on nothing else. Every so
 * often a fresh replica of the shared document is read the same way.
 *
 * Undo stops at an edit that removed a paragraph: Y.UndoManager restoring a paragraph that a
 * join (or a delete across paragraphs) removed can put its runs back in another order
 * (COMMENT_FUZZ_SEED=2 COMMENT_FUZZ_UNDO_JOINS=1: text and marks both; seed 2 without threads
 * reorders text too), and since a mark is a range between format items, a commented character
 * can come back outside its thread's range. That is Yjs's undo, not the comment mark.
 *
 * Replay with COMMENT_FUZZ_SEED=<seed>; COMMENT_FUZZ_EDITS sets the edit count.
 */
import * as prng from 'lib0/prng';
import type { Node as PMNode } from 'prosemirror-model';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { COMMENT_MARK_NAME } from '../lib/protocol/comments';
import { CONTENT_FRAGMENT_NAME } from '../lib/protocol/document-schema';
import { markAnchorUpdate } from '../server/comments/text-anchor';
import { HeadlessEditor } from './support/headless-editor';

const SEED = Number(process.env.COMMENT_FUZZ_SEED ?? 151515);
const EDITS = Number(process.env.COMMENT_FUZZ_EDITS ?? 3_000);
/** COMMENT_FUZZ_UNDO_JOINS=1 also undoes joins and deletes across paragraphs (reproduces the Yjs reordering). */
const UNDO_JOINS = process.env.COMMENT_FUZZ_UNDO_JOINS === '1';
/** Origin of the server's updates on the editor's doc, which the editor's undo must not take back. */
const FROM_SERVER = Symbol('server');

/** One character of the model: its text and the threads that marked it. */
interface Char {
  ch: string;
  threads: ReadonlySet<string>;
}
type Model = Char[][];

/** The document as y-tiptap reads it: per paragraph, each character with its comment threads. */
function read(doc: PMNode): Model {
  const blocks: Model = [];
  doc.forEach((block) => {
    const chars: Char[] = [];
    block.forEach((child) => {
      if (!child.isText) throw new Error(`unexpected inline node ${child.type.name}`);
      const threads = new Set(child.marks.filter((mark) => mark.type.name === COMMENT_MARK_NAME).map((mark) => mark.attrs.threadId as string));
      for (const ch of child.text!) chars.push({ ch, threads });
    });
    blocks.push(chars);
  });
  return blocks;
}

/** A comparable rendering: paragraphs of text, each character's threads where it has any. */
function render(model: Model): string[] {
  return model.map((chars) => chars.map((c) => (c.threads.size ? `${c.ch}[${[...c.threads].sort().join(',')}]` : c.ch)).join(''));
}

/** Document position of character `offset` of block `index`. */
function position(doc: PMNode, index: number, offset: number): number {
  let pos = 0;
  for (let i = 0; i < index; i++) pos += doc.child(i).nodeSize;
  return pos + 1 + offset;
}

class Fuzz {
  readonly editor = new HeadlessEditor(new Y.Doc());
  readonly server = new Y.Doc();
  readonly undo: Y.UndoManager;
  model: Model;
  /** The model before each edit the undo manager can still take back, newest last. */
  private readonly before: Array<{ model: Model; removedParagraph: boolean }> = [];
  private threads = 0;
  readonly counts: Record<string, number> = {};

  constructor(readonly gen: prng.PRNG) {
    const words = () => Array.from({ length: prng.int32(gen, 3, 10) }, () => prng.word(gen, 2, 8)).join(' ');
    const paragraphs = Array.from({ length: 12 }, () => ({ type: 'paragraph', content: [{ type: 'text', text: words() }] }));
    this.editor.load({ type: 'doc', content: paragraphs });
    this.model = read(this.editor.pm);
    this.sync();
    this.undo = new Y.UndoManager(this.editor.fragment, { captureTimeout: 0 });
  }

  /** Brings the server's copy up to date with the editor's edits. */
  sync(): void {
    Y.applyUpdate(this.server, Y.encodeStateAsUpdate(this.editor.doc, Y.encodeStateVector(this.server)));
  }

  /** Makes one random edit; returns its kind, for the failure message. */
  step(): string {
    const gen = this.gen;
    const pm = this.editor.pm;
    const kind = prng.oneOf(gen, ['type', 'type', 'type', 'delete', 'delete', 'split', 'join', 'bold', 'code', 'undo', 'thread'] as const);
    const block = prng.int32(gen, 0, this.model.length - 1);
    const length = this.model[block].length;
    const offset = this.offsetNearMarks(block);
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
    switch (kind) {
      case 'type': {
        const at = position(pm, block, offset);
        // What ProseMirror's insertText gives typed text: the marks at the caret (not inclusive at edges).
        const marks = pm.resolve(at).marks();
        const text = prng.word(gen, 1, 6);
        const threads = new Set(marks.filter((mark) => mark.type.name === COMMENT_MARK_NAME).map((mark) => mark.attrs.threadId as string));
        this.edit((tr) => tr.insert(at, this.editor.schema.text(text, marks)), (model) => {
          model[block].splice(offset, 0, ...[...text].map((ch) => ({ ch, threads })));
        });
        return kind;
      }
      case 'delete': {
        // Mostly inside one paragraph, sometimes into the next (which joins them, as Backspace over a selection does).
        const across = block + 1 < this.model.length && prng.int32(gen, 0, 9) === 0;
        const endBlock = across ? block + 1 : block;
        const endOffset = across ? prng.int32(gen, 0, this.model[endBlock].length) : Math.min(length, offset + prng.int32(gen, 1, 3));
        if (!across && endOffset <= offset) return kind;
        this.edit((tr) => tr.delete(position(pm, block, offset), position(pm, endBlock, endOffset)), (model) => {
          const tail = model[endBlock].slice(endOffset);
          model[block] = [...model[block].slice(0, offset), ...tail];
          if (across) model.splice(endBlock, 1);
        });
        return kind;
      }
      case 'split':
        this.edit((tr) => tr.split(position(pm, block, offset)), (model) => {
          model.splice(block + 1, 0, model[block].slice(offset));
          model[block] = model[block].slice(0, offset);
        });
        return kind;
      case 'join': {
        if (block + 1 >= this.model.length) return kind;
        this.edit((tr) => tr.join(position(pm, block + 1, 0) - 1), (model) => {
          model[block] = [...model[block], ...model[block + 1]];
          model.splice(block + 1, 1);
        });
        return kind;
      }
      case 'bold':
      case 'code': {
        const to = Math.min(length, offset + prng.int32(gen, 1, 12));
        if (to <= offset) return kind;
        const from = position(pm, block, offset);
        const end = position(pm, block, to);
        const type = this.editor.schema.marks[kind];
        this.edit((tr) => (pm.rangeHasMark(from, end, type) ? tr.removeMark(from, end, type) : tr.addMark(from, end, type.create())), () => {});
        return kind;
      }
      case 'undo': {
        if (this.before.length === 0) return kind;
        // Yjs's undo of an edit that removed a paragraph (a join, a delete across paragraphs) can
        // restore that paragraph's runs in another order, and a comment mark's range with them
        // (see the file's doc comment): undo here stops at such an edit unless asked.
        if (this.before.at(-1)!.removedParagraph && !UNDO_JOINS) return kind;
        this.undo.undo();
        this.model = this.before.pop()!.model;
        return kind;
      }
      case 'thread': {
        const to = Math.min(length, offset + prng.int32(gen, 1, 15));
        if (to <= offset) return kind;
        this.comment(block, offset, to);
        return kind;
      }
    }
  }

  /** A caret offset in `block`, half the time at or next to a commented character's edge. */
  private offsetNearMarks(block: number): number {
    const chars = this.model[block];
    const edges: number[] = [];
    for (let i = 0; i <= chars.length; i++) {
      const left = chars[i - 1]?.threads;
      const right = chars[i]?.threads;
      if (left !== right && (left?.size || right?.size)) edges.push(i);
    }
    if (edges.length > 0 && prng.bool(this.gen)) {
      return Math.max(0, Math.min(chars.length, prng.oneOf(this.gen, edges) + prng.int32(this.gen, -1, 1)));
    }
    return prng.int32(this.gen, 0, chars.length);
  }

  /** The server marks [from, to) of `block` for a new thread, as a `create` does; the editor receives it. */
  comment(block: number, from: number, to: number): void {
    this.sync();
    const threadId = `t-fuzz${String(++this.threads).padStart(4, '0')}`;
    const pm = this.editor.pm;
    const anchor = this.editor.anchor(position(pm, block, from), position(pm, block, to));
    const quote = this.model[block].slice(from, to).map((c) => c.ch).join('');
    const update = markAnchorUpdate(this.server, anchor, quote, threadId);
    Y.applyUpdate(this.server, update);
    Y.applyUpdate(this.editor.doc, update, FROM_SERVER);
    for (let i = from; i < to; i++) {
      const char = this.model[block][i];
      this.model[block][i] = { ch: char.ch, threads: new Set([...char.threads, threadId]) };
    }
    // Undoing past the server's mark would need the mark's own history; the editor starts afresh.
    this.undo.clear();
    this.before.length = 0;
  }

  /** Makes `change` as y-tiptap writes it, checks it read back as ProseMirror made it, and moves the model. */
  private edit(change: Parameters<HeadlessEditor['transform']>[0], moveModel: (model: Model) => void): void {
    let expected: PMNode | null = null;
    const undoable = this.undo.undoStack.length;
    this.editor.transform((tr) => {
      change(tr);
      expected = tr.doc;
    });
    expect(render(read(this.editor.pm)), 'y-tiptap reads back what ProseMirror made').toEqual(render(read(expected!)));
    // Only a change the undo manager recorded can be undone (an edit that changed nothing is not).
    const model = this.model.map((chars) => [...chars]);
    moveModel(this.model);
    if (this.undo.undoStack.length > undoable) this.before.push({ model, removedParagraph: this.model.length < model.length });
    if (this.model.length === 0) throw new Error('the model lost every paragraph');
  }

  /** The live document read through y-tiptap must be the model, threads and all. */
  check(context: string): void {
    expect(render(read(this.editor.pm)), context).toEqual(render(this.model));
  }

  /** A fresh replica of the shared document, read the same way. */
  checkReplica(context: string): void {
    this.sync();
    const replica = new Y.Doc();
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(this.server));
    const reader = new HeadlessEditor(replica, this.editor.schema);
    expect(render(read(reader.pm)), context).toEqual(render(this.model));
    expect(replica.getXmlFragment(CONTENT_FRAGMENT_NAME).length).toBe(this.model.length);
  }
}

describe('comment anchors under random editing', () => {
  it(`keep every thread whose text still exists anchored on exactly that text (${EDITS} edits, seed ${SEED})`, () => {
    const fuzz = new Fuzz(prng.create(SEED));
    for (let i = 0; i < 20; i++) {
      const block = prng.int32(fuzz.gen, 0, fuzz.model.length - 1);
      const length = fuzz.model[block].length;
      const from = prng.int32(fuzz.gen, 0, Math.max(0, length - 2));
      fuzz.comment(block, from, Math.min(length, from + prng.int32(fuzz.gen, 1, 12)));
    }
    fuzz.check('after the first threads');
    for (let edit = 1; edit <= EDITS; edit++) {
      const kind = fuzz.step();
      fuzz.check(`after edit ${edit}, ${kind} (seed ${SEED})`);
      if (edit % 250 === 0) fuzz.checkReplica(`a replica after edit ${edit} (seed ${SEED})`);
    }
    fuzz.checkReplica(`a replica at the end (seed ${SEED})`);
    // The run really exercised what it claims: every kind of edit, and threads still on surviving text.
    for (const kind of ['type', 'delete', 'split', 'join', 'bold', 'code', 'undo', 'thread']) expect(fuzz.counts[kind], kind).toBeGreaterThan(50);
    const anchored = new Set(fuzz.model.flatMap((chars) => chars.flatMap((c) => [...c.threads])));
    expect(anchored.size, 'threads still anchored at the end').toBeGreaterThan(10);
  });
});
