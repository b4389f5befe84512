'use client';
import { useCallback, useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useCloseOnOutsidePointer } from '../hooks/use-close-on-outside-pointer';
import { ariaKeyShortcut, shortcutLabel } from './shortcuts';

/** One folded action as the menu shows it. */
export interface MoreMenuItem {
  name: string;
  label: string;
  face: ReactNode;
  shortcut?: string;
  /** Toggles: on or off at the selection (a menuitemcheckbox); undefined for plain actions. */
  pressed?: boolean;
  disabled: boolean;
  opensDialog: boolean;
  run: () => void;
}

/**
 * "More": the toolbar's actions that do not fit its row, as a WAI-ARIA menu button. A tap or
 * click opens it leaving the caret in the document (so the keyboard on a phone stays up);
 * Enter, Space or the down arrow open it with focus on the first item (the up arrow: the last); up and down arrows,
 * Home and End move; Escape, Tab or a tap elsewhere close it. Choosing an item runs it and
 * closes the menu.
 */
export function ToolbarMoreMenu({ items }: { items: readonly MoreMenuItem[] }) {
  const [open, setOpen] = useState(false);
  const closeMenu = useCallback(() => setOpen(false), []);
  const containerRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  const focusOnOpen = useRef<'first' | 'last' | null>(null);
  const menuId = useId();

  useEffect(() => {
    if (!open) return;
    const target = focusOnOpen.current;
    focusOnOpen.current = null;
    const enabled = menuItems(menuRef.current);
    if (target) enabled[target === 'first' ? 0 : enabled.length - 1]?.focus();
    // Opened by a tap, focus stays in the document: Escape there closes the menu too.
    const closeOnEscape = (event: globalThis.KeyboardEvent) => {
      if (event.key === 'Escape') setOpen(false);
    };
    document.addEventListener('keydown', closeOnEscape);
    return () => document.removeEventListener('keydown', closeOnEscape);
  }, [open]);
  useCloseOnOutsidePointer(containerRef, open, closeMenu);

  const openWithFocus = (where: 'first' | 'last') => {
    focusOnOpen.current = where;
    setOpen(true);
  };

  const onButtonKeyDown = (event: KeyboardEvent<HTMLButtonElement>) => {
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      openWithFocus('first');
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      openWithFocus('last');
    }
  };

  const onMenuKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    // The toolbar's own arrow keys (left/right) must not move focus out of the open menu.
    event.stopPropagation();
    const enabled = menuItems(menuRef.current);
    const current = enabled.indexOf(document.activeElement as HTMLButtonElement);
    const moves: Record<string, number> = {
      ArrowDown: (current + 1) % enabled.length,
      ArrowUp: (current - 1 + enabled.length) % enabled.length,
      Home: 0,
      End: enabled.length - 1,
    };
    if (event.key in moves) {
      event.preventDefault();
      enabled[moves[event.key]]?.focus();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      setOpen(false);
      buttonRef.current?.focus();
    } else if (event.key === 'Tab') {
      setOpen(false);
    }
  };

  return (
    <div ref={containerRef} className="toolbar-more">
      <button
        ref={buttonRef}
        type="button"
        className="toolbar-button toolbar-more-button"
        aria-label="More formatting"
        title="More formatting"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={menuId}
        // Keep the editor's focus and selection when tapped or clicked.
        onMouseDown={(event) => event.preventDefault()}
        onKeyDown={onButtonKeyDown}
        onClick={(event) => {
          // Enter and Space click with detail 0: a keyboard opens the menu onto its first item.
          if (!open && event.detail === 0) openWithFocus('first');
          else setOpen(!open);
        }}
      >
        <span aria-hidden="true" className="toolbar-icon">
          ⋯
        </span>
      </button>
      <div ref={menuRef} id={menuId} role="menu" aria-label="More formatting" className="toolbar-more-menu" hidden={!open} onKeyDown={onMenuKeyDown}>
        {items.map((item, index) => (
          <button
            key={item.name}
            type="button"
            role={item.pressed === undefined ? 'menuitem' : 'menuitemcheckbox'}
            aria-checked={item.pressed}
            aria-haspopup={item.opensDialog ? 'dialog' : undefined}
            aria-label={item.label}
            aria-keyshortcuts={item.shortcut ? ariaKeyShortcut(item.shortcut) : undefined}
            className="toolbar-more-item"
            // Focus moves by arrows; one item is tabbable, so the scrolling list is reachable.
            tabIndex={index === 0 ? 0 : -1}
            disabled={item.disabled}
            onMouseDown={(event) => event.preventDefault()}
            onClick={() => {
              setOpen(false);
              item.run();
            }}
          >
            <span aria-hidden="true" className="toolbar-icon toolbar-more-face">
              {item.face}
            </span>
            <span className="toolbar-more-label">{item.label}</span>
            {item.shortcut && <kbd className="toolbar-more-shortcut">{shortcutLabel(item.shortcut)}</kbd>}
          </button>
        ))}
      </div>
    </div>
  );
}

/** The menu's items that can be chosen now, in order. */
function menuItems(menu: HTMLElement | null): HTMLButtonElement[] {
  return Array.from(menu?.querySelectorAll<HTMLButtonElement>('button:not(:disabled)') ?? []);
}
