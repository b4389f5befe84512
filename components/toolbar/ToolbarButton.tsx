'use client';
import type { ReactNode } from 'react';
import { ariaKeyShortcut, shortcutLabel } from './shortcuts';

interface Props {
  /** The accessible name, also the start of the tooltip. */
  label: string;
  /** TipTap notation, e.g. "Mod-B"; shown in the tooltip. */
  shortcut?: string;
  /** Toggle buttons: whether the format is on at the selection. Omit for plain actions. */
  pressed?: boolean;
  disabled?: boolean;
  /** The button opens a dialog. */
  opensDialog?: boolean;
  /** Folded into the toolbar's "More" menu: not displayed in the row. */
  hidden?: boolean;
  /** An attribute marking the button for the toolbar's measuring (components/hooks/use-toolbar-overflow.ts). */
  itemAttribute?: string;
  onClick: () => void;
  /** The visible face of the button (an icon); hidden from assistive technology. */
  children: ReactNode;
}

/** One toolbar button: a real <button> with a name, a tooltip with its shortcut, and its state. */
export function ToolbarButton({ label, shortcut, pressed, disabled, opensDialog, hidden, itemAttribute, onClick, children }: Props) {
  return (
    <button
      type="button"
      className="toolbar-button"
      aria-label={label}
      aria-pressed={pressed}
      aria-haspopup={opensDialog ? 'dialog' : undefined}
      aria-keyshortcuts={shortcut ? ariaKeyShortcut(shortcut) : undefined}
      title={shortcut ? `${label} (${shortcutLabel(shortcut)})` : label}
      disabled={disabled}
      hidden={hidden}
      {...(itemAttribute ? { [itemAttribute]: '' } : {})}
      // Keep the editor's focus and selection when the button is clicked with a mouse.
      onMouseDown={(event) => event.preventDefault()}
      onClick={onClick}
    >
      <span aria-hidden="true" className="toolbar-icon">
        {children}
      </span>
    </button>
  );
}
