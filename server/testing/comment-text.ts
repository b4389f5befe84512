/**
 * Body text and comment anchors for tests that do not run the editor: a paragraph written into
 * the body fragment as y-tiptap writes one (a Y.XmlElement `paragraph` holding a Y.XmlText),
 * and the anchor y-tiptap's absolutePositionToRelativePosition gives for text inside one
 * Y.XmlText (a relative position in that text, associated with the character before).
 */
import * as Y from 'yjs';
import type { CommentAnchor } from '../../lib/protocol/comments';
import { CONTENT_FRAGMENT_NAME } from '../../lib/protocol/document-schema';

/** A doc whose body is one paragraph of `text`. */
export function docWithParagraph(text: string): Y.Doc {
  const doc = new Y.Doc();
  const paragraph = new Y.XmlElement('paragraph');
  paragraph.insert(0, [new Y.XmlText(text)]);
  doc.getXmlFragment(CONTENT_FRAGMENT_NAME).insert(0, [paragraph]);
  return doc;
}

/** The anchor of the first `quote` inside one of `doc`'s body texts. */
export function anchorOf(doc: Y.Doc, quote: string): CommentAnchor {
  const encode = (text: Y.XmlText, index: number) => Buffer.from(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(text, index, -1))).toString('base64');
  const search = (type: Y.XmlFragment | Y.XmlElement): CommentAnchor | null => {
    for (const child of type.toArray()) {
      if (child instanceof Y.XmlText) {
        const at = child.toDelta().map((run: { insert: unknown }) => (typeof run.insert === 'string' ? run.insert : '\ufffc')).join('').indexOf(quote);
        if (at !== -1) return { from: encode(child, at), to: encode(child, at + quote.length) };
      } else if (child instanceof Y.XmlElement) {
        const found = search(child);
        if (found) return found;
      }
    }
    return null;
  };
  const found = search(doc.getXmlFragment(CONTENT_FRAGMENT_NAME));
  if (!found) throw new Error(`"${quote}" is not in the document body`);
  return found;
}

/** The text carrying attribute `key` in `doc`'s body, in order. */
export function textMarkedWith(doc: Y.Doc, key: string): string[] {
  const marked: string[] = [];
  const walk = (type: Y.XmlFragment | Y.XmlElement) => {
    for (const child of type.toArray()) {
      if (child instanceof Y.XmlText) {
        for (const run of child.toDelta() as Array<{ insert: unknown; attributes?: Record<string, unknown> }>) {
          if (typeof run.insert === 'string' && run.attributes?.[key] !== undefined) marked.push(run.insert);
        }
      } else if (child instanceof Y.XmlElement) walk(child);
    }
  };
  walk(doc.getXmlFragment(CONTENT_FRAGMENT_NAME));
  return marked;
}
