'use client';
import type { Editor } from '@tiptap/react';
import { useEffect } from 'react';
import type * as Y from 'yjs';
import type { ConnectionStateStore } from '../../lib/client/connection-state';
import { hasPendingImport, takePendingImport } from '../../lib/editor/pending-import';
import { TITLE_TEXT_NAME } from '../../lib/protocol/document-schema';

/**
 * Inserts a document imported on the home page into this new room, exactly once: after the
 * first sync with the server, and only into an empty document (lib/editor/pending-import.ts explains
 * why reloads, reconnects and other tabs never duplicate it).
 */
export function usePendingImport(room: string, doc: Y.Doc | undefined, connection: ConnectionStateStore | undefined, editor: Editor | null): void {
  useEffect(() => {
    if (!doc || !connection || !editor || !hasPendingImport(window.sessionStorage, room)) return;
    const insertOnceSynced = () => {
      if (!connection.getState().synced || editor.isDestroyed) return;
      const pending = takePendingImport(window.sessionStorage, room);
      if (!pending || !editor.isEmpty) return;
      // Not in anyone's undo history: the import is where the document starts, like an opened file.
      editor.chain().setMeta('addToHistory', false).setContent(pending.content).run();
      const title = doc.getText(TITLE_TEXT_NAME);
      if (title.length === 0 && pending.title) title.insert(0, pending.title);
    };
    connection.on('synced', insertOnceSynced);
    insertOnceSynced();
    return () => connection.off('synced', insertOnceSynced);
  }, [room, doc, connection, editor]);
}
