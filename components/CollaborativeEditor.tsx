'use client';
import { EditorContent, useEditor, type Editor } from '@tiptap/react';
import { useEffect, useMemo, useState } from 'react';
import type { WebsocketProvider } from 'y-websocket';
import type * as Y from 'yjs';
import { pageNonce } from '../lib/protocol/csp-nonce';
import { documentExtensions } from '../lib/editor/editor-extensions';
import type { ImageUploadsOptions } from '../lib/editor/image-uploads';
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
  /** Uploads an image file pasted, dropped or picked (edit pages only). */
  uploadImage?: NonNullable<ImageUploadsOptions['upload']>;
}

/**
 * The TipTap editor bound to the shared Y.Doc, for editors and viewers alike. Content comes
 * only from the doc (never seeded here, which would duplicate text on reconnect); undo/redo
 * are Yjs' and undo only our edits. A read-only editor publishes its person as viewing (or
 * commenting, on a comment link).
 */
export function CollaborativeEditor({ doc, provider, identity, editable, commenting = false, onEditorChange, uploadImage }: Props) {
  const [uploadError, setUploadError] = useState<string | null>(null);
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
        imageUploads:
          editable && uploadImage
            ? {
                upload: (file, onProgress) => {
                  setUploadError(null);
                  return uploadImage(file, onProgress);
                },
                onError: setUploadError,
              }
            : undefined,
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

  return (
    <>
      {uploadError && (
        <div className="notice notice-error image-upload-error" role="alert">
          <span>{uploadError}</span>
          <button type="button" className="button-secondary" onClick={() => setUploadError(null)}>
            Dismiss
          </button>
        </div>
      )}
      <EditorContent editor={editor} className="editor-surface" />
    </>
  );
}
