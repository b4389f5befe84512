'use client';
import Collaboration from '@tiptap/extension-collaboration';
import CollaborationCaret from '@tiptap/extension-collaboration-caret';
import { Placeholder } from '@tiptap/extensions';
import { EditorContent, useEditor } from '@tiptap/react';
import StarterKit from '@tiptap/starter-kit';
import { useEffect } from 'react';
import type { WebsocketProvider } from 'y-websocket';
import type * as Y from 'yjs';
import type { Identity } from '../lib/identity';

interface Props {
  doc: Y.Doc;
  provider: WebsocketProvider;
  identity: Identity;
}

/**
 * The TipTap editor bound to the shared Y.Doc. Content comes only from the doc (never seeded
 * here, which would duplicate text on reconnect); undo/redo are Yjs' and undo only our edits.
 */
export function CollaborativeEditor({ doc, provider, identity }: Props) {
  const editor = useEditor(
    {
      immediatelyRender: false,
      extensions: [
        // StarterKit's own history would undo other people's edits too; Collaboration brings yUndo.
        StarterKit.configure({ undoRedo: false }),
        Collaboration.configure({ document: doc }),
        CollaborationCaret.configure({ provider, user: identity }),
        Placeholder.configure({ placeholder: 'Start writing…' }),
      ],
      editorProps: {
        attributes: { 'aria-label': 'Document', 'aria-multiline': 'true', role: 'textbox', class: 'prose' },
      },
    },
    // The editor is rebuilt only for a new document; identity changes go through updateUser.
    [doc, provider],
  );

  useEffect(() => {
    if (editor && !editor.isDestroyed) editor.commands.updateUser(identity);
  }, [editor, identity]);

  return <EditorContent editor={editor} className="editor-surface" />;
}
