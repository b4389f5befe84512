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

/** Inserting an image by its http(s) address, with alt text for people who cannot see it. */
export function ImageDialog({ editor, onClose }: Props) {
  const [url, setUrl] = useState('');
  const [alt, setAlt] = useState('');
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
