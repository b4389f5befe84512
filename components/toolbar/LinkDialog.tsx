'use client';
import type { Editor } from '@tiptap/react';
import { useId, useState } from 'react';
import { normalizeLinkInput } from '../../lib/editor/safe-url';
import { ToolbarDialog } from './ToolbarDialog';

interface Props {
  editor: Editor;
  onClose: () => void;
}

const INVALID_LINK_MESSAGE = 'Enter a web address (https://…) or an email link (mailto:…).';

/**
 * Adding, changing or removing the link at the selection. Only http(s) and mailto addresses
 * are accepted; "example.com" becomes "https://example.com". With nothing selected and no link
 * under the caret, the address itself is inserted as the link's text.
 */
export function LinkDialog({ editor, onClose }: Props) {
  const editing = editor.isActive('link');
  const [url, setUrl] = useState<string>(editing ? String(editor.getAttributes('link').href ?? '') : '');
  const [error, setError] = useState<string | null>(null);
  const fieldId = useId();
  const errorId = useId();

  const apply = () => {
    const href = normalizeLinkInput(url);
    if (!href) {
      setError(INVALID_LINK_MESSAGE);
      return false;
    }
    if (editor.state.selection.empty && !editing) {
      const text = href.startsWith('mailto:') ? href.slice('mailto:'.length) : href;
      editor.chain().focus().insertContent({ type: 'text', text, marks: [{ type: 'link', attrs: { href } }] }).run();
    } else {
      editor.chain().focus().extendMarkRange('link').setLink({ href }).run();
    }
    return true;
  };

  return (
    <ToolbarDialog
      title={editing ? 'Edit link' : 'Add link'}
      submitLabel={editing ? 'Save link' : 'Add link'}
      onSubmit={apply}
      onClose={() => {
        onClose();
        editor.commands.focus();
      }}
      extraActions={
        editing ? [{ label: 'Remove link', run: () => editor.chain().focus().extendMarkRange('link').unsetLink().run() }] : []
      }
    >
      <label htmlFor={fieldId}>Link address</label>
      <input
        id={fieldId}
        type="url"
        inputMode="url"
        className="toolbar-dialog-input"
        value={url}
        placeholder="https://example.com"
        autoComplete="url"
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        onChange={(event) => {
          setUrl(event.target.value);
          setError(null);
        }}
      />
      <p id={errorId} className="toolbar-dialog-error" role="alert">
        {error}
      </p>
    </ToolbarDialog>
  );
}
