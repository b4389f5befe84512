'use client';
import { useMemo, useSyncExternalStore } from 'react';
import type * as Y from 'yjs';
import { TITLE_TEXT_NAME } from '../../lib/protocol/document-schema';

/** The document's shared title, live (empty while untitled or not yet loaded). */
export function useDocumentTitle(doc: Y.Doc): string {
  const store = useMemo(() => {
    const title = doc.getText(TITLE_TEXT_NAME);
    return {
      subscribe(onChange: () => void) {
        title.observe(onChange);
        return () => title.unobserve(onChange);
      },
      getSnapshot: () => title.toString(),
    };
  }, [doc]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, () => '');
}
