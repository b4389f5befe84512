'use client';
import { Plugin, PluginKey, type EditorState } from '@tiptap/pm/state';
import type { EditorView } from '@tiptap/pm/view';
import { useEditorState, type Editor } from '@tiptap/react';
import { BubbleMenu } from '@tiptap/react/menus';
import { useEffect, useRef, type KeyboardEvent } from 'react';
import { isAllowedLinkHref } from '../lib/editor/safe-url';
import { matchesShortcut, SHORTCUTS } from './toolbar/shortcuts';

interface Props {
  editor: Editor;
  /** Opens the link dialog on this link (editable pages); without it the bubble only opens links. */
  onEdit?: () => void;
}

const LINK_BUBBLE_KEY = new PluginKey('linkBubble');
const LINK_BUBBLE_TAB_KEY = new PluginKey('linkBubbleTab');

/**
 * The small bubble under a link when the caret or selection is on it: **Open** (a new tab,
 * only for addresses a link may hold), and on editable pages **Edit** (the toolbar's link
 * dialog) and **Remove** (the whole link). Tab from the document moves into it, Escape goes
 * back to the caret.
 */
export function LinkBubble({ editor, onEdit }: Props) {
  const bubbleRef = useRef<HTMLDivElement>(null);
  const href = useEditorState({
    editor,
    selector: ({ editor: current }) => (current.isActive('link') ? String(current.getAttributes('link').href ?? '') : null),
  });

  // Tab on a link goes to the bubble before any other Tab binding (lists, tables) takes it.
  useEffect(() => {
    if (!onEdit) return;
    const tabIntoBubble = new Plugin({
      key: LINK_BUBBLE_TAB_KEY,
      props: {
        handleKeyDown: (_view, event) => {
          if (!matchesShortcut(event, SHORTCUTS.linkBubble)) return false;
          const first = bubbleRef.current?.isConnected ? bubbleRef.current.querySelector<HTMLElement>('a, button') : null;
          if (!first || !editor.isActive('link')) return false;
          event.preventDefault();
          first.focus();
          return true;
        },
      },
    });
    editor.registerPlugin(tabIntoBubble, (plugin, plugins) => [plugin, ...plugins]);
    return () => {
      editor.unregisterPlugin(LINK_BUBBLE_TAB_KEY);
    };
  }, [editor, onEdit]);

  const backToDocument = (event: KeyboardEvent) => {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    editor.commands.focus();
  };
  const safeHref = href && isAllowedLinkHref(href) ? href : null;

  return (
    <BubbleMenu
      ref={bubbleRef}
      editor={editor}
      pluginKey={LINK_BUBBLE_KEY}
      updateDelay={0}
      shouldShow={shouldShowOnLink}
      options={{ placement: 'bottom-start', offset: 6 }}
      className="link-bubble-layer"
    >
      <div role="group" aria-label="Link" className="link-bubble" onKeyDown={backToDocument}>
        {safeHref ? (
          <a href={safeHref} target="_blank" rel="noopener noreferrer" className="link-bubble-address" title={`Open ${safeHref} in a new tab`}>
            {safeHref.replace(/^mailto:/, '')}
          </a>
        ) : (
          <span className="link-bubble-address muted">{href ? 'This address cannot be opened' : ''}</span>
        )}
        {onEdit && (
          <>
            <button type="button" className="button-secondary" onClick={onEdit}>
              Edit link
            </button>
            <button type="button" className="button-secondary" onClick={() => editor.chain().focus().extendMarkRange('link').unsetLink().run()}>
              Remove link
            </button>
          </>
        )}
      </div>
    </BubbleMenu>
  );
}

/**
 * Shown while the selection is on a link and the document or the bubble has focus (a
 * read-only document cannot take focus: there, while a link is clicked).
 */
function shouldShowOnLink({ editor, element, view, state }: { editor: Editor; element: HTMLElement; view: EditorView; state: EditorState }): boolean {
  if (!editor.isActive('link') || state.selection.$from.parent.type.spec.code) return false;
  return !editor.isEditable || view.hasFocus() || element.contains(document.activeElement);
}
