'use client';
import { useEffect, useId, useRef, type FormEvent, type ReactNode } from 'react';

export interface DialogAction {
  label: string;
  run: () => void;
}

interface Props {
  title: string;
  /** Called with the form submitted; return true to close the dialog. */
  onSubmit: () => boolean;
  /** Called once the dialog has closed (submitted, Cancel, Escape). */
  onClose: () => void;
  /** Fields; the submit and Cancel buttons come after them. */
  children: ReactNode;
  submitLabel: string;
  /** Extra actions before Cancel (e.g. "Remove link"); the dialog closes after each. */
  extraActions?: DialogAction[];
}

/**
 * A small native modal <dialog> for the toolbar (link, image): the browser traps focus, closes
 * it on Escape and returns focus where it was. Mounted only while open.
 */
export function ToolbarDialog({ title, onSubmit, onClose, children, submitLabel, extraActions }: Props) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const headingId = useId();

  useEffect(() => {
    const dialog = dialogRef.current;
    // Guarded: React's strict mode runs this effect twice on the same element.
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  const close = () => dialogRef.current?.close();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (onSubmit()) close();
  };

  return (
    <dialog ref={dialogRef} className="toolbar-dialog" aria-labelledby={headingId} onClose={onClose}>
      <form onSubmit={submit} className="toolbar-dialog-form" noValidate>
        <h2 id={headingId}>{title}</h2>
        {children}
        <div className="toolbar-dialog-actions">
          <button type="submit" className="button-primary">
            {submitLabel}
          </button>
          {extraActions?.map((action) => (
            <button
              key={action.label}
              type="button"
              className="button-secondary"
              onClick={() => {
                action.run();
                close();
              }}
            >
              {action.label}
            </button>
          ))}
          <button type="button" className="button-secondary" onClick={close}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
