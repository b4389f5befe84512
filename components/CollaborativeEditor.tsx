'use client';
import { EditorContent, useEditor, type Editor } from '@tiptap/react';
import { useEffect, useMemo } from 'react';
import type { WebsocketProvider } from 'y-websocket';
import type * as Y from 'yjs';
import { pageNonce } from '../lib/protocol/csp-nonce';
import { documentExtensions } from '../lib/editor/editor-extensions';
import type { Identity } from '../lib/prefs/identity';
import { presenceUserFor } from '../lib/presence/presence-user';

interface Props {
  doc: Y.Doc;
  provider: WebsocketProvider;
  identity: Identity;
  /** False for the view-only and comment pages: the same document, rendered read-only. */
  editable: boolean;
  /** The comment page: read-only text, but its person is shown as commenting, not viewing. */
  commenting?: boolean;
  /** Told the editor once it exists (and null when it goes), for the title, presence and counts. */
  onEditorChange?: (editor: Editor | null) => void;
}

/**
 * The TipTap editor bound to the shared Y.Doc, for editors and viewers alike. Content comes
 * only from the doc (never seeded here, which would duplicate text on reconnect); undo/redo
 * are Yjs' and undo only our edits. A read-only editor publishes its person as viewing (or
 * commenting, on a comment link).
 */
export function CollaborativeEditor({ doc, provider, identity, editable, commenting = false, onEditorChange }: Props) {
  const user = useMemo(() => presenceUserFor(identity, { viewing: !editable, commenting }), [identity, editable, commenting]);
  const editor = useEditor(
    {
      immediatelyRender: false,
      // TipTap's base styles go in a <style> element, which the page's CSP admits by nonce.
      injectNonce: pageNonce(),
      editable,
      extensions: documentExtensions({
        doc,
        provider,
        user,
        placeholder: editable ? 'Start writing…' : 'Nothing written yet.',
      }),
      editorProps: {
        attributes: {
          'aria-label': 'Document',
          'aria-multiline': 'true',
          'aria-readonly': String(!editable),
          role: 'textbox',
          class: 'prose',
        },
      },
    },
    // The editor is rebuilt only for a new document; identity changes go through updateUser.
    [doc, provider, editable],
  );

  useEffect(() => {
    if (editor && !editor.isDestroyed) editor.commands.updateUser(user);
  }, [editor, user]);

  useEffect(() => {
    onEditorChange?.(editor);
    return () => onEditorChange?.(null);
  }, [editor, onEditorChange]);

  return <EditorContent editor={editor} className="editor-surface" />;
}
