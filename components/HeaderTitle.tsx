'use client';
import type * as Y from 'yjs';
import { UNTITLED_DOCUMENT } from '../lib/editor/document-title';
import { useDocumentTitle } from './hooks/use-document-title';

/**
 * The document's title in the header row, shown only on a phone (where it stands in for the
 * brand and stays in view while the title field scrolls away). Hidden from assistive technology:
 * the title field above the document is the title.
 */
export function HeaderTitle({ doc }: { doc: Y.Doc }) {
  const title = useDocumentTitle(doc).trim();
  return (
    <span className="header-title" aria-hidden="true">
      {title || UNTITLED_DOCUMENT}
    </span>
  );
}
