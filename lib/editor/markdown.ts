/**
 * Markdown ⇄ TipTap JSON for export and import, through @tiptap/markdown's MarkdownManager
 * (marked underneath) with the document's own extension list, so what it reads and writes is
 * exactly what the editor holds. Runs without a DOM (Node, unit tests); inline HTML in
 * Markdown is then kept as literal text.
 */
import { getSchema, type JSONContent } from '@tiptap/core';
import { MarkdownManager } from '@tiptap/markdown';
import { Fragment, Node, type Schema } from '@tiptap/pm/model';
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
  const { manager, schema } = markdownConverter();
  const parsed = manager.parse(markdown.replace(/\r\n?/g, '\n'));
  // An empty file (or one whose only image was refused) is an empty document: one empty
  // paragraph, as the editor starts; a list item or cell left empty gets one too.
  return normalizeDocument(withRequiredContent(withBlockImages(withoutUnsafeUrls(parsed)), schema));
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

/**
 * A TipTap document as GFM Markdown, ending in one newline. Unsafe link and image URLs are
 * left out (the text stays): a document may hold one written by a raw Yjs client, and a
 * Markdown renderer downstream decodes `jav&#x61;script:` into a live `javascript:` link.
 */
export function jsonToMarkdown(doc: JSONContent): string {
  return `${markdownConverter().manager.serialize(withCodeSpanDelimiters(withoutUnsafeUrls(doc))).trimEnd()}\n`;
}

/** Textblocks Markdown puts images in, which in Tandem's schema are blocks of their own. */
const IMAGE_HOLDERS = new Set(['paragraph', 'heading']);

/**
 * `node` with every image that sits inside a paragraph or heading (a README badge: `Build
 * ![status](…) passing`, two on a line, one in a list item or table cell) lifted out as a
 * block of its own, in place: the text before it, the image, the text after it, in order.
 * Marks on an image (a badge inside a link) have no place on a block and are dropped.
 */
function withBlockImages(node: JSONContent): JSONContent {
  if (!node.content) return node;
  const content = node.content.flatMap((child) =>
    IMAGE_HOLDERS.has(child.type ?? '') && child.content?.some((inline) => inline.type === 'image')
      ? splitAtImages(child)
      : [withBlockImages(child)],
  );
  return { ...node, content };
}

function splitAtImages(block: JSONContent): JSONContent[] {
  const blocks: JSONContent[] = [];
  let run: JSONContent[] = [];
  const flush = () => {
    const inline = trimInline(run);
    if (inline.length > 0) blocks.push({ ...block, content: inline });
    run = [];
  };
  for (const child of block.content ?? []) {
    if (child.type !== 'image') {
      run.push(child);
      continue;
    }
    flush();
    blocks.push({ type: 'image', ...(child.attrs ? { attrs: child.attrs } : {}) });
  }
  flush();
  return blocks;
}

/** Inline content without the spaces and line breaks left at its edges by a split. */
function trimInline(inline: JSONContent[]): JSONContent[] {
  const result = [...inline];
  const isBlank = (node: JSONContent) => node.type === 'hardBreak' || (node.type === 'text' && !node.text?.trim());
  while (result.length > 0 && isBlank(result[0])) result.shift();
  while (result.length > 0 && isBlank(result[result.length - 1])) result.pop();
  if (result.length === 0) return result;
  const first = result[0];
  const last = result[result.length - 1];
  if (first.type === 'text') result[0] = { ...first, text: first.text!.trimStart() };
  if (last.type === 'text') result[result.length - 1] = { ...result[result.length - 1], text: result[result.length - 1].text!.trimEnd() };
  return result;
}

/**
 * `node` with what the schema requires filled in where a split or a refused URL left a
 * container without it: an empty document or cell gets an empty paragraph, a list item that
 * now starts with an image gets an empty paragraph before it.
 */
function withRequiredContent(node: JSONContent, schema: Schema): JSONContent {
  const type = schema.nodes[node.type ?? ''];
  if (!type || type.isTextblock || type.isLeaf) return node;
  const content = (node.content ?? []).map((child) => withRequiredContent(child, schema));
  const fill = type.contentMatch.fillBefore(Fragment.fromJSON(schema, content), true);
  const before = fill && fill.size > 0 ? (fill.toJSON() as JSONContent[]) : [];
  return { ...node, content: [...before, ...content] };
}
