'use client';
import { useEffect, useRef } from 'react';

/**
 * Runs `action` when the page gets Ctrl+Alt+<letter>, with Shift exactly when `shift` (⌘ on a
 * Mac counts as Ctrl), from anywhere on the page, the editor included. Letters are matched by
 * key code, since Alt changes the character a key types on a Mac.
 */
function useModAltLetter(letter: string, shift: boolean, action: () => void): void {
  const actionRef = useRef(action);
  useEffect(() => {
    actionRef.current = action;
  }, [action]);

  useEffect(() => {
    const code = `Key${letter.toUpperCase()}`;
    const onKeyDown = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.altKey && event.shiftKey === shift && event.code === code) {
        event.preventDefault();
        actionRef.current();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [letter, shift]);
}

/** Runs `action` on Ctrl+Alt+Shift+<letter> (the version history's Ctrl+Alt+Shift+H). */
export function useModAltShiftShortcut(letter: string, action: () => void): void {
  useModAltLetter(letter, true, action);
}

/** Runs `action` on Ctrl+Alt+<letter> without Shift (comment: Ctrl+Alt+M). */
export function useModAltShortcut(letter: string, action: () => void): void {
  useModAltLetter(letter, false, action);
}
