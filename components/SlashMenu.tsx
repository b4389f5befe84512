'use client';
import { isChangeOrigin } from '@tiptap/extension-collaboration';
import { Plugin, PluginKey } from '@tiptap/pm/state';
import type { Editor, Range } from '@tiptap/react';
import Suggestion, { type SuggestionProps } from '@tiptap/suggestion';
import { useEffect, useId, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { asOwnUndoStep } from '../lib/editor/find-replace';
import { filterSlashCommands, type SlashCommand } from '../lib/editor/slash-commands';
import { ariaKeyShortcut, shortcutLabel, SHORTCUTS } from './toolbar/shortcuts';

interface Props {
  editor: Editor;
  /** Opens the toolbar's image dialog (the menu's "Image"). */
  onImage: () => void;
}

/** What the open menu shows: the blocks the filter finds, and how to choose one. */
interface OpenMenu {
  items: SlashCommand[];
  choose: (command: SlashCommand) => void;
}

const SLASH_MENU_KEY = new PluginKey('slashMenu');
const SLASH_MENU_ARIA_KEY = new PluginKey('slashMenuAria');

/**
 * The "/" menu: typing "/" at the start of a block or after a space lists the blocks of
 * lib/editor/slash-commands.ts, filtered by what follows; arrows, Enter and Escape (or the
 * mouse) choose. Focus stays in the document: the editor names the menu (aria-controls) and
 * its highlighted block (aria-activedescendant). What is typed is ordinary text for everyone
 * else; only this browser decorates it. Choosing removes it and applies the block, one undo
 * step. Mounted only on editable pages.
 */
export function SlashMenu({ editor, onImage }: Props) {
  const [menu, setMenu] = useState<OpenMenu | null>(null);
  const [active, setActive] = useState(0);
  const [host] = useState(() => (typeof document === 'undefined' ? null : createHost()));
  const listboxId = useId();
  // The plugin's key handler reads the menu as rendered; refs keep it current.
  const menuRef = useRef(menu);
  const activeRef = useRef(active);
  const ariaRef = useRef<Record<string, string>>({});
  const onImageRef = useRef(onImage);
  useEffect(() => {
    menuRef.current = menu;
    activeRef.current = active;
    onImageRef.current = onImage;
  });

  useEffect(() => {
    if (!host) return;
    let unmount: (() => void) | null = null;
    const show = (props: SuggestionProps<SlashCommand, SlashCommand>) => {
      if (props.loading) return;
      setMenu(props.items.length > 0 ? { items: props.items, choose: props.command } : null);
      setActive(0);
    };
    const suggestion = Suggestion<SlashCommand, SlashCommand>({
      editor,
      pluginKey: SLASH_MENU_KEY,
      char: SHORTCUTS.slashMenu,
      decorationClass: 'slash-query',
      // Text other people type before this caret must not open the menu here; once open, it stays open.
      shouldShow: ({ transaction }) => !isChangeOrigin(transaction) || Boolean(SLASH_MENU_KEY.getState(editor.state)?.active),
      allow: ({ state, range }) => editor.isEditable && !state.doc.resolve(range.from).parent.type.spec.code,
      items: ({ query, editor: current }) => filterSlashCommands(query).filter((command) => command.available?.(current) ?? true),
      command: ({ editor: current, range, props: command }) => applySlashCommand(current, range, command, () => onImageRef.current()),
      render: () => ({
        onStart: (props) => {
          unmount = props.mount(host);
          show(props);
        },
        onUpdate: show,
        onExit: () => {
          unmount?.();
          unmount = null;
          setMenu(null);
        },
        onKeyDown: ({ event }) => moveOrChoose(event, menuRef.current, activeRef.current, setActive),
      }),
    });
    // The editor's own attributes carry the menu's ARIA while it is open.
    const aria = new Plugin({ key: SLASH_MENU_ARIA_KEY, props: { attributes: () => ariaRef.current } });
    // First in line, so Enter and the arrows reach the menu before the editor's own keys.
    editor.registerPlugin(suggestion, (plugin, plugins) => [plugin, ...plugins]);
    editor.registerPlugin(aria);
    return () => {
      editor.unregisterPlugin(SLASH_MENU_KEY);
      editor.unregisterPlugin(SLASH_MENU_ARIA_KEY);
      unmount?.();
    };
  }, [editor, host]);

  const activeId = menu ? optionId(listboxId, menu.items[Math.min(active, menu.items.length - 1)]) : null;
  useEffect(() => {
    ariaRef.current = activeId ? { 'aria-controls': listboxId, 'aria-activedescendant': activeId, 'aria-autocomplete': 'list' } : {};
    if (!editor.isDestroyed) editor.view.dispatch(editor.state.tr.setMeta(SLASH_MENU_ARIA_KEY, true));
  }, [editor, listboxId, activeId]);

  if (!host || !menu) return null;
  return createPortal(
    <ul id={listboxId} role="listbox" aria-label="Insert a block" className="slash-menu-list">
      {menu.items.map((command, index) => (
        <li
          key={command.id}
          id={optionId(listboxId, command)}
          role="option"
          aria-selected={index === active}
          aria-keyshortcuts={command.shortcut ? ariaKeyShortcut(SHORTCUTS[command.shortcut]) : undefined}
          className={index === active ? 'slash-menu-item slash-menu-item-active' : 'slash-menu-item'}
          // Keeps the caret (and focus) in the document when clicking.
          onMouseDown={(event) => event.preventDefault()}
          onMouseMove={() => setActive(index)}
          onClick={() => menu.choose(command)}
        >
          <span>{command.label}</span>
          {/* Named by its label; the shortcut is told as aria-keyshortcuts instead. */}
          {command.shortcut && (
            <kbd className="slash-menu-shortcut" aria-hidden="true">
              {shortcutLabel(SHORTCUTS[command.shortcut])}
            </kbd>
          )}
        </li>
      ))}
    </ul>,
    host,
  );
}

/** The element the menu is drawn in; the suggestion plugin places it under the "/". */
function createHost(): HTMLDivElement {
  const host = document.createElement('div');
  host.className = 'slash-menu';
  return host;
}

function optionId(listboxId: string, command: SlashCommand): string {
  return `${listboxId}-${command.id}`;
}

/** Arrow keys move the highlight (wrapping round), Enter chooses; anything else is typing. */
function moveOrChoose(event: KeyboardEvent, menu: OpenMenu | null, active: number, setActive: (index: number) => void): boolean {
  if (!menu || event.isComposing || event.ctrlKey || event.metaKey || event.altKey) return false;
  const count = menu.items.length;
  if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
    setActive((active + (event.key === 'ArrowDown' ? 1 : -1) + count) % count);
    return true;
  }
  if (event.key === 'Enter' && !event.shiftKey) {
    menu.choose(menu.items[Math.min(active, count - 1)]);
    return true;
  }
  return false;
}

/** Removes "/filter" and applies the block, as one undo step (the image dialog is a step of its own). */
function applySlashCommand(editor: Editor, range: Range, command: SlashCommand, openImageDialog: () => void): void {
  asOwnUndoStep(editor.state, () => {
    const chain = editor.chain().focus().deleteRange(range);
    (command.apply ? command.apply(chain) : chain).run();
  });
  if (command.opensDialog === 'image') openImageDialog();
}
