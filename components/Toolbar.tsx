'use client';
import { useEditorState, type Editor } from '@tiptap/react';
import { useCallback, useEffect, useState, type KeyboardEvent } from 'react';
import { formattingReader } from '../lib/editor/toolbar-state';
import { LinkBubble } from './LinkBubble';
import { SlashMenu } from './SlashMenu';
import { ImageDialog } from './toolbar/ImageDialog';
import { CodeIcon, ImageIcon, LinkIcon } from './toolbar/icons';
import { LinkDialog } from './toolbar/LinkDialog';
import { SHORTCUTS } from './toolbar/shortcuts';
import { TableTools } from './toolbar/TableTools';
import { ToolbarButton } from './toolbar/ToolbarButton';

interface Props {
  editor: Editor;
  /** Opens the comment composer on the selection. */
  onComment?: () => void;
}

type OpenDialog = 'link' | 'image' | null;

/**
 * The formatting toolbar above the document. Every button is a real <button> named for what
 * it does, shows its state with aria-pressed and its shortcut in its tooltip; the arrow keys
 * move between buttons as well as Tab. Undo and redo are Yjs' per-person undo.
 */
export function Toolbar({ editor, onComment }: Props) {
  // One reader per toolbar: it keeps the last answers (lib/editor/toolbar-state.ts).
  const [readState] = useState(formattingReader);
  const state = useEditorState({ editor, selector: ({ editor: current }) => readState(current.state) });
  const [dialog, setDialog] = useState<OpenDialog>(null);
  const chain = () => editor.chain().focus();
  // The slash menu's "Image" and the link bubble's "Edit link" open the same dialogs as the buttons.
  const openImageDialog = useCallback(() => setDialog('image'), []);
  const openLinkDialog = useCallback(() => setDialog('link'), []);

  // Mod-K opens the link dialog from inside the document (TipTap binds no key for it).
  // BrowserSelectionSync has already brought the editor's selection up to date.
  useEffect(() => {
    const openLinkOnModK = (event: globalThis.KeyboardEvent) => {
      if (!(event.metaKey || event.ctrlKey) || event.altKey || event.shiftKey || event.key.toLowerCase() !== 'k') return;
      if (editor.isDestroyed || !editor.isEditable || !editor.view.dom.contains(event.target as Node)) return;
      event.preventDefault();
      setDialog('link');
    };
    document.addEventListener('keydown', openLinkOnModK);
    return () => document.removeEventListener('keydown', openLinkOnModK);
  }, [editor]);

  return (
    <>
      <div role="toolbar" aria-label="Formatting" aria-orientation="horizontal" className="toolbar" onKeyDown={moveFocusWithArrows}>
        <div className="toolbar-group">
          <ToolbarButton label="Undo" shortcut={SHORTCUTS.undo} disabled={!state.canUndo} onClick={() => chain().undo().run()}>
            ↶
          </ToolbarButton>
          <ToolbarButton label="Redo" shortcut={SHORTCUTS.redo} disabled={!state.canRedo} onClick={() => chain().redo().run()}>
            ↷
          </ToolbarButton>
        </div>
        <div className="toolbar-group">
          <ToolbarButton label="Heading 1" shortcut={SHORTCUTS.heading1} pressed={state.heading1} onClick={() => chain().toggleHeading({ level: 1 }).run()}>
            H1
          </ToolbarButton>
          <ToolbarButton label="Heading 2" shortcut={SHORTCUTS.heading2} pressed={state.heading2} onClick={() => chain().toggleHeading({ level: 2 }).run()}>
            H2
          </ToolbarButton>
          <ToolbarButton label="Heading 3" shortcut={SHORTCUTS.heading3} pressed={state.heading3} onClick={() => chain().toggleHeading({ level: 3 }).run()}>
            H3
          </ToolbarButton>
        </div>
        <div className="toolbar-group">
          <ToolbarButton label="Bold" shortcut={SHORTCUTS.bold} pressed={state.bold} onClick={() => chain().toggleBold().run()}>
            <b>B</b>
          </ToolbarButton>
          <ToolbarButton label="Italic" shortcut={SHORTCUTS.italic} pressed={state.italic} onClick={() => chain().toggleItalic().run()}>
            <i>I</i>
          </ToolbarButton>
          <ToolbarButton label="Underline" shortcut={SHORTCUTS.underline} pressed={state.underline} onClick={() => chain().toggleUnderline().run()}>
            <u>U</u>
          </ToolbarButton>
          <ToolbarButton label="Strikethrough" shortcut={SHORTCUTS.strike} pressed={state.strike} onClick={() => chain().toggleStrike().run()}>
            <s>S</s>
          </ToolbarButton>
          <ToolbarButton label="Inline code" shortcut={SHORTCUTS.code} pressed={state.code} onClick={() => chain().toggleCode().run()}>
            <CodeIcon />
          </ToolbarButton>
          <ToolbarButton label="Link" shortcut={SHORTCUTS.link} pressed={state.link} opensDialog onClick={() => setDialog('link')}>
            <LinkIcon />
          </ToolbarButton>
        </div>
        <div className="toolbar-group">
          <ToolbarButton label="Bullet list" shortcut={SHORTCUTS.bulletList} pressed={state.bulletList} onClick={() => chain().toggleBulletList().run()}>
            •≡
          </ToolbarButton>
          <ToolbarButton label="Numbered list" shortcut={SHORTCUTS.orderedList} pressed={state.orderedList} onClick={() => chain().toggleOrderedList().run()}>
            1≡
          </ToolbarButton>
          <ToolbarButton label="Task list" shortcut={SHORTCUTS.taskList} pressed={state.taskList} onClick={() => chain().toggleTaskList().run()}>
            ☑
          </ToolbarButton>
          <ToolbarButton label="Quote" shortcut={SHORTCUTS.blockquote} pressed={state.blockquote} onClick={() => chain().toggleBlockquote().run()}>
            ❝
          </ToolbarButton>
          <ToolbarButton label="Code block" shortcut={SHORTCUTS.codeBlock} pressed={state.codeBlock} onClick={() => chain().toggleCodeBlock().run()}>
            {'{ }'}
          </ToolbarButton>
        </div>
        <div className="toolbar-group">
          <ToolbarButton label="Divider" onClick={() => chain().setHorizontalRule().run()}>
            ―
          </ToolbarButton>
          <ToolbarButton label="Table" disabled={state.inTable} onClick={() => chain().insertTable({ rows: 3, cols: 3, withHeaderRow: true }).run()}>
            ⊞
          </ToolbarButton>
          <ToolbarButton label="Image" opensDialog onClick={() => setDialog('image')}>
            <ImageIcon />
          </ToolbarButton>
        </div>
        {onComment && (
          <div className="toolbar-group">
            <ToolbarButton label="Comment" shortcut={SHORTCUTS.comment} onClick={onComment}>
              💬
            </ToolbarButton>
          </div>
        )}
        {state.inTable && <TableTools editor={editor} />}
      </div>
      <SlashMenu editor={editor} onImage={openImageDialog} />
      <LinkBubble editor={editor} onEdit={openLinkDialog} />
      {dialog === 'link' && <LinkDialog editor={editor} onClose={() => setDialog(null)} />}
      {dialog === 'image' && <ImageDialog editor={editor} onClose={() => setDialog(null)} />}
    </>
  );
}

/** Left/Right/Home/End move focus among the toolbar's enabled buttons (WAI-ARIA toolbar). */
function moveFocusWithArrows(event: KeyboardEvent<HTMLDivElement>): void {
  const keys = ['ArrowLeft', 'ArrowRight', 'Home', 'End'];
  if (!keys.includes(event.key)) return;
  const buttons = Array.from(event.currentTarget.querySelectorAll<HTMLButtonElement>('button:not(:disabled)'));
  const current = buttons.indexOf(document.activeElement as HTMLButtonElement);
  if (current === -1) return;
  event.preventDefault();
  const next =
    event.key === 'Home' ? 0 : event.key === 'End' ? buttons.length - 1 : (current + (event.key === 'ArrowRight' ? 1 : -1) + buttons.length) % buttons.length;
  buttons[next].focus();
}
