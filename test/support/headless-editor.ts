/**
 * A Y.Doc bound to the editor's ProseMirror schema the way y-tiptap binds it, without a browser:
 * the document is read from the Y fragment with y-tiptap's own conversion (so a mark the schema
 * refuses, or text it cannot hold, is lost here exactly as in the editor), edits go through
 * ProseMirror transforms and y-tiptap's updateYFragment, and anchors are made with
 * absolutePositionToRelativePosition as the comment composer makes them. The schema is the
 * editor's (lib/editor/editor-extensions.ts), which holds the comment mark as
 * lib/protocol/comments.ts specifies it: code blocks allow it and inline code does not exclude it.
 */
import { getSchema } from '@tiptap/core';
import { absolutePositionToRelativePosition, initProseMirrorDoc, updateYFragment } from '@tiptap/y-tiptap';
import type { Node as PMNode, Schema } from 'prosemirror-model';
import { Transform } from 'prosemirror-transform';
import * as Y from 'yjs';
import { contentExtensions } from '../../lib/editor/editor-extensions';
import { COMMENT_MARK_NAME, type CommentAnchor } from '../../lib/protocol/comments';
import { CONTENT_FRAGMENT_NAME } from '../../lib/protocol/document-schema';

/** The editor's own schema (lib/editor/editor-extensions.ts): it holds the comment mark. */
export function commentSchema(): Schema {
  return getSchema(contentExtensions());
}

/**
 * The editor's schema with TipTap's defaults for code, which the comment mark needs changed:
 * a code block that allows no marks, and inline code that excludes every other mark.
 */
export function defaultSchemaWithCommentMark(): Schema {
  const extensions = contentExtensions().map((extension) => {
    if (extension.name === 'codeBlock') return extension.extend({ marks: '' });
    if (extension.name === 'code') return extension.extend({ excludes: '_' });
    return extension;
  });
  return getSchema(extensions);
}

export class HeadlessEditor {
  readonly fragment: Y.XmlFragment;

  constructor(
    readonly doc: Y.Doc,
    readonly schema: Schema = commentSchema(),
  ) {
    this.fragment = doc.getXmlFragment(CONTENT_FRAGMENT_NAME);
  }

  /** The ProseMirror document the editor shows for the Y fragment now. */
  get pm(): PMNode {
    return initProseMirrorDoc(this.fragment, this.schema).doc;
  }

  /** Replaces the content with `json` (a ProseMirror doc's JSON), as an editor's typing would. */
  load(json: object): void {
    this.edit(() => this.schema.nodeFromJSON(json));
  }

  /** Applies a ProseMirror edit to the current document and writes it as y-tiptap would. */
  transform(edit: (tr: Transform) => void): void {
    this.edit((doc) => {
      const tr = new Transform(doc);
      edit(tr);
      return tr.doc;
    });
  }

  /** The positions [from, to) of the `occurrence`-th `text` inside one textblock of text only. */
  find(text: string, occurrence = 0): [number, number] {
    const found: number[] = [];
    this.pm.descendants((node, pos) => {
      if (!node.isTextblock) return;
      let at = node.textContent.indexOf(text);
      while (at !== -1) {
        found.push(pos + 1 + at);
        at = node.textContent.indexOf(text, at + 1);
      }
      return false;
    });
    if (found[occurrence] === undefined) throw new Error(`"${text}" (#${occurrence}) is not in the document`);
    return [found[occurrence], found[occurrence] + text.length];
  }

  /** The anchor the comment composer sends for the selection [from, to). */
  anchor(from: number, to: number): CommentAnchor {
    const { mapping } = initProseMirrorDoc(this.fragment, this.schema);
    const encode = (pos: number) =>
      Buffer.from(Y.encodeRelativePosition(absolutePositionToRelativePosition(pos, this.fragment, mapping))).toString('base64');
    return { from: encode(from), to: encode(to) };
  }

  /** The text carrying thread `threadId`'s comment mark, one string per textblock. */
  markedText(threadId: string): string[] {
    const blocks: string[] = [];
    this.pm.descendants((node) => {
      if (!node.isTextblock) return;
      let text = '';
      node.forEach((child) => {
        if (child.isText && child.marks.some((mark) => mark.type.name === COMMENT_MARK_NAME && mark.attrs.threadId === threadId)) text += child.text;
      });
      if (text) blocks.push(text);
      return false;
    });
    return blocks;
  }

  private edit(next: (doc: PMNode) => PMNode): void {
    const { doc, meta } = initProseMirrorDoc(this.fragment, this.schema);
    const updated = next(doc);
    this.doc.transact(() => updateYFragment(this.doc, this.fragment, updated, meta));
  }
}
