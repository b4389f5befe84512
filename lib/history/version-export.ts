/**
 * A version as a Markdown file: its own body and title (as they were then), read from the
 * version's state rather than from the viewer, which also shows what the diff removed. Uses the
 * export menu's converter (lib/editor/markdown.ts) through lib/editor/document-export.ts.
 */
import * as Y from 'yjs';
import { documentTitle, exportDocument } from '../editor/document-export';

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
    return { title: documentTitle(doc), markdown: exportDocument(doc, 'markdown') };
  } finally {
    doc.destroy();
  }
}
