/**
 * Markdown ⇄ TipTap JSON for export and import, through @tiptap/markdown's MarkdownManager
 * (marked underneath) with the document's own extension list, so what it reads and writes is
 * exactly what the editor holds. Runs without a DOM (Node, unit tests); inline HTML in
 * Markdown is then kept as literal text.
 */
import { getSchema, type JSONContent } from '@tiptap/core';
import { MarkdownManager } from '@tiptap/markdown';
import { Node, type Schema } from '@tiptap/pm/model';
import { contentExtensions } from './editor-extensions';
import { withCodeSpanDelimiters } from './markdown-rendering';
import { isAllowedImageSrc, isAllowedLinkHref } from './safe-url';

let converter: { manager: MarkdownManager; schema: Schema } | null = null;

/** One manager for the page or process: building it registers tokenizers with marked. */
function markdownConverter() {
  if (!converter) {
    const extensions = contentExtensions();
    converter = { manager: new MarkdownManager({ extensions }), schema: getSchema(extensions) };
  }
  return converter;
}

/**
 * A Markdown text (GFM: tables, task lists, strikethrough) as a normalized TipTap document,
 * without unsafe link or image URLs. Throws if it does not fit the schema, so nothing invalid
 * reaches a shared doc.
 */
export function markdownToJSON(markdown: string): JSONContent {
  const parsed = markdownConverter().manager.parse(markdown.replace(/\r\n?/g, '\n'));
  // An empty file is an empty document: one empty paragraph, as the editor starts.
  if (!parsed.content?.length) parsed.content = [{ type: 'paragraph' }];
  return normalizeDocument(withoutUnsafeUrls(parsed));
}

/**
 * `doc` through ProseMirror and back: marks in schema order and default attributes filled
 * in, exactly as the editor would hold it. Throws if it does not fit the schema.
 */
export function normalizeDocument(doc: JSONContent): JSONContent {
  const node = Node.fromJSON(markdownConverter().schema, doc);
  node.check();
  return node.toJSON() as JSONContent;
}

/** `node` without links or images whose URL has a scheme other than http(s) (or mailto for links). */
function withoutUnsafeUrls(node: JSONContent): JSONContent {
  const marks = node.marks?.filter((mark) => mark.type !== 'link' || isAllowedLinkHref(String(mark.attrs?.href ?? '')));
  const content = node.content
    ?.filter((child) => child.type !== 'image' || isAllowedImageSrc(String(child.attrs?.src ?? '')))
    .map(withoutUnsafeUrls);
  return { ...node, ...(marks ? { marks } : {}), ...(content ? { content } : {}) };
}

/** A TipTap document as GFM Markdown, ending in one newline. */
export function jsonToMarkdown(doc: JSONContent): string {
  return `${markdownConverter().manager.serialize(withCodeSpanDelimiters(doc)).trimEnd()}\n`;
}
