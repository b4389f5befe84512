/**
 * A document's Y.Doc as the editor shows it, and its exports: the body read through y-tiptap
 * with the editor's own schema (what the schema refuses is left out, as in the editor), the
 * title from the Y.Text `title`, and the body as GFM Markdown (lib/editor/markdown.ts), as a
 * standalone HTML page (html-export.ts) or as ProseMirror JSON. The browser exports from its
 * editor; this is for exports without one: a version's Markdown, and the admin command.
 */
import { initProseMirrorDoc } from '@tiptap/y-tiptap';
import type { JSONContent } from '@tiptap/core';
import type { Node as ProseMirrorNode } from '@tiptap/pm/model';
import type * as Y from 'yjs';
import { CONTENT_FRAGMENT_NAME, TITLE_TEXT_NAME } from '../protocol/document-schema';
import { documentSchema } from './editor-extensions';
import { standaloneHtml } from './html-export';
import { fragmentToHtml } from './html-serializer';
import { jsonToMarkdown } from './markdown';

/** The formats a document exports to without a browser. */
export type ExportFormat = 'markdown' | 'html' | 'json';

/** The title as exports name the document: the Y.Text `title` trimmed, or "Untitled". */
export function documentTitle(doc: Y.Doc): string {
  return doc.getText(TITLE_TEXT_NAME).toString().trim() || 'Untitled';
}

/** The body as the editor holds it; an empty one is an empty paragraph, as the editor starts. */
export function documentNode(doc: Y.Doc): ProseMirrorNode {
  const schema = documentSchema();
  const { doc: node } = initProseMirrorDoc(doc.getXmlFragment(CONTENT_FRAGMENT_NAME), schema);
  return node.childCount > 0 ? node : schema.topNodeType.createAndFill()!;
}

/** The document in `format`: Markdown and JSON of the body, HTML as a page with the title. */
export function exportDocument(doc: Y.Doc, format: ExportFormat): string {
  const node = documentNode(doc);
  switch (format) {
    case 'markdown':
      return jsonToMarkdown(node.toJSON() as JSONContent);
    case 'html':
      return standaloneHtml(documentTitle(doc), fragmentToHtml(node.content, node.type.schema));
    case 'json':
      return `${JSON.stringify(node.toJSON(), null, 2)}\n`;
  }
}
