'use client';
import { useCallback, useId, useRef, useState, type ReactNode } from 'react';
import { useCloseOnOutsidePointer } from './hooks/use-close-on-outside-pointer';

/** A press inside a dialog opened from the menu (share, history) keeps it open. */
const insideDialog = (target: Element) => Boolean(target.closest?.('dialog'));

/**
 * The header's controls (connection, share, history, people, export, authors, theme, …). On a
 * wide screen they sit in the header as they always have (this wrapper and its panel take no
 * box: CSS `display: contents`, the button not shown); on a phone (app/styles/header-menu.css)
 * they fold behind one "Menu" button, a disclosure whose panel drops below the header. Escape
 * closes it and puts focus back on the button, as does the button itself; a tap outside it
 * closes it too, except inside a dialog opened from it (share, history), so closing that dialog
 * brings focus back to its button in the still open menu. Items marked `data-closes-menu` (home,
 * Find) close it when chosen.
 */
export function HeaderMenu({ children }: { children: ReactNode }) {
  const [open, setOpen] = useState(false);
  const closeMenu = useCallback(() => setOpen(false), []);
  const containerRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const panelId = useId();

  useCloseOnOutsidePointer(containerRef, open, closeMenu, insideDialog);

  return (
    <div
      ref={containerRef}
      className="header-menu"
      onKeyDown={(event) => {
        // Nested disclosures (Export) close themselves first.
        if (event.key !== 'Escape' || !open || event.defaultPrevented) return;
        event.preventDefault();
        setOpen(false);
        buttonRef.current?.focus();
      }}
    >
      <button
        ref={buttonRef}
        type="button"
        className="header-menu-button"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen(!open)}
      >
        <svg aria-hidden="true" focusable="false" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round">
          <path d="M4 7h16M4 12h16M4 17h16" />
        </svg>
        Menu
      </button>
      <div
        id={panelId}
        className="header-menu-panel"
        data-open={open || undefined}
        onClick={(event) => {
          // Items that take the person elsewhere (home, the find bar) close the menu behind them.
          if ((event.target as Element).closest('[data-closes-menu]')) setOpen(false);
        }}
      >
        {children}
      </div>
    </div>
  );
}
