'use client';
import { useEditorState, type Editor } from '@tiptap/react';
import { useCallback, useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { formattingReader } from '../lib/editor/toolbar-state';
import { TOOLBAR_ITEM_ATTRIBUTE, useToolbarOverflow } from './hooks/use-toolbar-overflow';
import { LinkBubble } from './LinkBubble';
import { SlashMenu } from './SlashMenu';
import { ImageDialog } from './toolbar/ImageDialog';
import { CodeIcon, ImageIcon, LinkIcon } from './toolbar/icons';
import { LinkDialog } from './toolbar/LinkDialog';
import { TOOLBAR_ACTIONS, TOOLBAR_GROUPS, type ToolbarActionName, type ToolbarContext, type ToolbarGroupName } from './toolbar/toolbar-actions';
import { ToolbarButton } from './toolbar/ToolbarButton';
import { ToolbarMoreMenu, type MoreMenuItem } from './toolbar/ToolbarMoreMenu';

interface Props {
  editor: Editor;
  /** Opens the comment composer on the selection. */
  onComment?: () => void;
}

type OpenDialog = 'link' | 'image' | null;

/** Each action's face; hidden from assistive technology (the buttons are named by their labels). */
const FACES: Record<ToolbarActionName, ReactNode> = {
  undo: '↶',
  redo: '↷',
  heading1: 'H1',
  heading2: 'H2',
  heading3: 'H3',
  bold: <b>B</b>,
  italic: <i>I</i>,
  underline: <u>U</u>,
  strike: <s>S</s>,
  code: <CodeIcon />,
  link: <LinkIcon />,
  bulletList: '•≡',
  orderedList: '1≡',
  taskList: '☑',
  blockquote: '❝',
  codeBlock: '{ }',
  divider: '―',
  table: '⊞',
  image: <ImageIcon />,
  comment: '💬',
  addRowBefore: '↑+',
  addRowAfter: '↓+',
  deleteRow: '−R',
  addColumnBefore: '←+',
  addColumnAfter: '→+',
  deleteColumn: '−C',
  deleteTable: '✕',
};

/**
 * The formatting toolbar above the document, drawn from the action table
 * (components/toolbar/toolbar-actions.ts). Every button is a real <button> named for what it
 * does, shows its state with aria-pressed and its shortcut in its tooltip; the arrow keys move
 * between buttons as well as Tab. What does not fit the row's width (on a phone, most of it)
 * folds into the "More" menu at its end, so every action stays one tap away. Undo and redo are
 * Yjs' per-person undo.
 */
export function Toolbar({ editor, onComment }: Props) {
  // One reader per toolbar: it keeps the last answers (lib/editor/toolbar-state.ts).
  const [readState] = useState(formattingReader);
  const state = useEditorState({ editor, selector: ({ editor: current }) => readState(current.state) });
  const [dialog, setDialog] = useState<OpenDialog>(null);
  const toolbarRef = useRef<HTMLDivElement>(null);
  const context: ToolbarContext = { chain: () => editor.chain().focus(), openDialog: setDialog, comment: onComment };
  const actions = TOOLBAR_ACTIONS.filter((action) => !('shown' in action) || action.shown(state, context));
  const shownCount = useToolbarOverflow(toolbarRef, actions.map((action) => action.name).join(' '));
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

  const groups = (Object.keys(TOOLBAR_GROUPS) as ToolbarGroupName[])
    .map((group) => ({ group, members: actions.map((action, index) => ({ action, index })).filter(({ action }) => action.group === group) }))
    .filter(({ members }) => members.length > 0);
  const folded: MoreMenuItem[] = actions.slice(shownCount).map((action) => ({
    name: action.name,
    label: action.label,
    face: FACES[action.name],
    shortcut: 'shortcut' in action ? action.shortcut : undefined,
    pressed: 'pressed' in action ? state[action.pressed] : undefined,
    disabled: 'disabled' in action ? action.disabled(state) : false,
    opensDialog: 'opensDialog' in action,
    run: () => action.run(context),
  }));

  return (
    <>
      <div ref={toolbarRef} role="toolbar" aria-label="Formatting" aria-orientation="horizontal" className="toolbar" onKeyDown={moveFocusWithArrows}>
        {groups.map(({ group, members }) => (
          <div key={group} role="group" aria-label={TOOLBAR_GROUPS[group]} className="toolbar-group" hidden={members[0].index >= shownCount}>
            {members.map(({ action, index }) => (
              <ToolbarButton
                key={action.name}
                label={action.label}
                shortcut={'shortcut' in action ? action.shortcut : undefined}
                pressed={'pressed' in action ? state[action.pressed] : undefined}
                disabled={'disabled' in action ? action.disabled(state) : false}
                opensDialog={'opensDialog' in action}
                hidden={index >= shownCount}
                itemAttribute={TOOLBAR_ITEM_ATTRIBUTE}
                onClick={() => action.run(context)}
              >
                {FACES[action.name]}
              </ToolbarButton>
            ))}
          </div>
        ))}
        {folded.length > 0 && <ToolbarMoreMenu items={folded} />}
      </div>
      <SlashMenu editor={editor} onImage={openImageDialog} />
      <LinkBubble editor={editor} onEdit={openLinkDialog} />
      {dialog === 'link' && <LinkDialog editor={editor} onClose={() => setDialog(null)} />}
      {dialog === 'image' && <ImageDialog editor={editor} onClose={() => setDialog(null)} />}
    </>
  );
}

/** Left/Right/Home/End move focus among the toolbar's enabled buttons in the row (WAI-ARIA toolbar). */
function moveFocusWithArrows(event: KeyboardEvent<HTMLDivElement>): void {
  const keys = ['ArrowLeft', 'ArrowRight', 'Home', 'End'];
  if (!keys.includes(event.key)) return;
  // Folded buttons are not displayed (no offset parent); the More button is one of the row's.
  const buttons = Array.from(event.currentTarget.querySelectorAll<HTMLButtonElement>('.toolbar-button:not(:disabled)')).filter(
    (button) => button.offsetParent !== null,
  );
  const current = buttons.indexOf(document.activeElement as HTMLButtonElement);
  if (current === -1) return;
  event.preventDefault();
  const next =
    event.key === 'Home' ? 0 : event.key === 'End' ? buttons.length - 1 : (current + (event.key === 'ArrowRight' ? 1 : -1) + buttons.length) % buttons.length;
  buttons[next].focus();
}
