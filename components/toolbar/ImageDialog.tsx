'use client';
import type { CommandProps } from '@tiptap/core';
import { NodeSelection, TextSelection } from '@tiptap/pm/state';
import type { Editor } from '@tiptap/react';
import { useId, useState } from 'react';
import { normalizeImageInput } from '../../lib/editor/safe-url';
import { ToolbarDialog } from './ToolbarDialog';

interface Props {
  editor: Editor;
  onClose: () => void;
}

const INVALID_IMAGE_MESSAGE = 'Enter the image’s web address (https://…).';

/**
 * Moves the caret from the just-inserted image (selected as a node) into the text block after
 * it, adding an empty paragraph when none follows, so typing or inserting next never replaces
 * the image.
 */
function placeCaretAfterBlock({ tr }: CommandProps): boolean {
  if (!(tr.selection instanceof NodeSelection)) return true;
  const after = tr.selection.to;
  if (!tr.doc.resolve(after).nodeAfter?.isTextblock) tr.insert(after, tr.doc.type.schema.nodes.paragraph.create());
  tr.setSelection(TextSelection.create(tr.doc, after + 1));
  return true;
}

/** The image the selection is on (clicked, or reached with the arrow keys), if any. */
function selectedImage(editor: Editor): { alt: string } | null {
  const { selection } = editor.state;
  if (!(selection instanceof NodeSelection) || selection.node.type.name !== 'image') return null;
  return { alt: (selection.node.attrs.alt as string | null) ?? '' };
}

/** Whether this editor uploads image files (the edit page, with ImageUploads configured). */
function uploadsImages(editor: Editor): boolean {
  const extension = editor.extensionManager.extensions.find((candidate) => candidate.name === 'imageUploads');
  return Boolean(extension?.options.upload);
}

/** The formats the server stores; the picker offers these (the server checks the bytes). */
const UPLOAD_ACCEPT = 'image/png,image/jpeg,image/gif,image/webp';

/**
 * Inserting an image: a file from this device (uploaded) or an http(s) address, with alt text
 * for people who cannot see it. On a selected image, it edits that image's alt text instead.
 */
export function ImageDialog({ editor, onClose }: Props) {
  const [editing] = useState(() => selectedImage(editor));
  return editing ? <AltTextDialog editor={editor} initialAlt={editing.alt} onClose={onClose} /> : <InsertImageDialog editor={editor} onClose={onClose} />;
}

/** Changes the selected image's alt text. */
function AltTextDialog({ editor, initialAlt, onClose }: Props & { initialAlt: string }) {
  const [alt, setAlt] = useState(initialAlt);
  const altId = useId();
  return (
    <ToolbarDialog
      title="Image alt text"
      submitLabel="Save alt text"
      onSubmit={() => {
        editor.chain().focus().updateAttributes('image', { alt: alt.trim() || null }).run();
        return true;
      }}
      onClose={() => {
        onClose();
        editor.commands.focus();
      }}
    >
      <label htmlFor={altId}>Alt text (what the image shows)</label>
      <input id={altId} type="text" className="toolbar-dialog-input" value={alt} autoFocus onChange={(event) => setAlt(event.target.value)} />
    </ToolbarDialog>
  );
}

function InsertImageDialog({ editor, onClose }: Props) {
  const [url, setUrl] = useState('');
  const [alt, setAlt] = useState('');
  const fileId = useId();
  const [error, setError] = useState<string | null>(null);
  const urlId = useId();
  const altId = useId();
  const errorId = useId();

  const insert = () => {
    const src = normalizeImageInput(url);
    if (!src) {
      setError(INVALID_IMAGE_MESSAGE);
      return false;
    }
    editor.chain().focus().setImage({ src, alt: alt.trim() }).command(placeCaretAfterBlock).run();
    return true;
  };

  return (
    <ToolbarDialog
      title="Insert image"
      submitLabel="Insert image"
      onSubmit={insert}
      onClose={() => {
        onClose();
        editor.commands.focus();
      }}
    >
      {uploadsImages(editor) && (
        <>
          <label htmlFor={fileId}>Upload from this device</label>
          <input
            id={fileId}
            type="file"
            accept={UPLOAD_ACCEPT}
            multiple
            className="toolbar-dialog-input"
            onChange={(event) => {
              const files = Array.from(event.target.files ?? []);
              if (files.length === 0) return;
              const dialog = event.currentTarget.closest('dialog');
              editor.chain().focus().uploadImages(files).run();
              dialog?.close();
            }}
          />
          <p className="toolbar-dialog-hint">PNG, JPEG, GIF or WebP. Or enter an address:</p>
        </>
      )}
      <label htmlFor={urlId}>Image address</label>
      <input
        id={urlId}
        type="url"
        inputMode="url"
        className="toolbar-dialog-input"
        value={url}
        placeholder="https://example.com/picture.png"
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        onChange={(event) => {
          setUrl(event.target.value);
          setError(null);
        }}
      />
      <label htmlFor={altId}>Alt text (what the image shows)</label>
      <input id={altId} type="text" className="toolbar-dialog-input" value={alt} onChange={(event) => setAlt(event.target.value)} />
      <p id={errorId} className="toolbar-dialog-error" role="alert">
        {error}
      </p>
    </ToolbarDialog>
  );
}
