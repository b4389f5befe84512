'use client';
import { useEffect, useId, useRef, useState } from 'react';
import { ariaKeyShortcut, matchesShortcut, SHORTCUT_GROUPS, SHORTCUTS, shortcutLabel, type ShortcutName } from './toolbar/shortcuts';

/** What a reader (view-only or comment page) can use: finding, and this list. */
const READER_SHORTCUTS: ReadonlySet<ShortcutName> = new Set(['find', 'findNext', 'findPrevious', 'closeFind', 'shortcuts']);

interface Props {
  /** Edit pages list every shortcut; read-only pages only those a reader can use. */
  editable: boolean;
}

/**
 * "Keyboard shortcuts": a button in the status line and Ctrl+/ (⌘/ on a Mac) from anywhere on
 * the page open a modal dialog listing the shortcuts, grouped, from the table the toolbar's
 * tooltips read (components/toolbar/shortcuts.ts), in this platform's key names. A native
 * <dialog>: the browser traps focus, closes it on Escape and puts focus back where it was.
 */
export function ShortcutsDialog({ editable }: Props) {
  const [open, setOpen] = useState(false);

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (!matchesShortcut(event, SHORTCUTS.shortcuts)) return;
      event.preventDefault();
      setOpen(true);
    };
    window.addEventListener('keydown', onKeyDown, true);
    return () => window.removeEventListener('keydown', onKeyDown, true);
  }, []);

  return (
    <>
      <button
        type="button"
        className="link-button shortcuts-button"
        aria-haspopup="dialog"
        aria-keyshortcuts={ariaKeyShortcut(SHORTCUTS.shortcuts)}
        title={`Keyboard shortcuts (${shortcutLabel(SHORTCUTS.shortcuts)})`}
        onClick={() => setOpen(true)}
      >
        Keyboard shortcuts
      </button>
      {open && <ShortcutList editable={editable} onClose={() => setOpen(false)} />}
    </>
  );
}

/** The dialog itself, mounted only while open. */
function ShortcutList({ editable, onClose }: { editable: boolean; onClose: () => void }) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const headingId = useId();

  useEffect(() => {
    const dialog = dialogRef.current;
    // Guarded: React's strict mode runs this effect twice on the same element.
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  const groups = SHORTCUT_GROUPS.map((group) => ({
    ...group,
    shortcuts: group.shortcuts.filter((shortcut) => editable || READER_SHORTCUTS.has(shortcut.name)),
  })).filter((group) => group.shortcuts.length > 0);

  return (
    <dialog ref={dialogRef} className="toolbar-dialog shortcuts-dialog" aria-labelledby={headingId} onClose={onClose}>
      <h2 id={headingId}>Keyboard shortcuts</h2>
      <div className="shortcuts-groups">
        {groups.map((group) => (
          <section key={group.title} aria-label={group.title}>
            <h3>{group.title}</h3>
            <dl className="shortcuts-list">
              {group.shortcuts.map((shortcut) => (
                <div key={shortcut.name} className="shortcuts-row">
                  <dt>{shortcut.action}</dt>
                  <dd>
                    <kbd>{shortcutLabel(SHORTCUTS[shortcut.name])}</kbd>
                  </dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
      </div>
      <div className="toolbar-dialog-actions">
        <button type="button" className="button-secondary" onClick={() => dialogRef.current?.close()}>
          Close
        </button>
      </div>
    </dialog>
  );
}
