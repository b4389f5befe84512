/**
 * A version as a Markdown file: its own body and title (as they were then), read from the
 * version's state rather than from the viewer, which also shows what the diff removed. Uses the
 * export menu's converter (lib/editor/markdown.ts).
 */
import { yXmlFragmentToProsemirrorJSON } from '@tiptap/y-tiptap';
import * as Y from 'yjs';
import { jsonToMarkdown } from '../editor/markdown';
import { CONTENT_FRAGMENT_NAME, TITLE_TEXT_NAME } from '../protocol/document-schema';

export interface VersionMarkdown {
  /** The document title at the version, or "Untitled". */
  title: string;
  markdown: string;
}

/** The Markdown of the document at a version, from its state (a v2 update). */
export function versionMarkdown(stateV2: Uint8Array): VersionMarkdown {
  const doc = new Y.Doc();
  try {
    Y.applyUpdateV2(doc, stateV2);
    const title = doc.getText(TITLE_TEXT_NAME).toString().trim() || 'Untitled';
    const body = yXmlFragmentToProsemirrorJSON(doc.getXmlFragment(CONTENT_FRAGMENT_NAME));
    // An empty body is an empty paragraph, as the editor holds it.
    const content = body.content?.length ? body : { type: 'doc', content: [{ type: 'paragraph' }] };
    return { title, markdown: jsonToMarkdown(content) };
  } finally {
    doc.destroy();
  }
}
