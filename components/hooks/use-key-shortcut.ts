'use client';
import { useEffect, useRef } from 'react';

/**
 * Runs `action` when the page gets Ctrl+Alt+Shift+<letter> (⌘ on a Mac counts as Ctrl), from
 * anywhere on the page, the editor included. Letters are matched by key code, since Alt
 * changes the character a key types on a Mac.
 */
export function useModAltShiftShortcut(letter: string, action: () => void): void {
  const actionRef = useRef(action);
  useEffect(() => {
    actionRef.current = action;
  }, [action]);

  useEffect(() => {
    const code = `Key${letter.toUpperCase()}`;
    const onKeyDown = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.altKey && event.shiftKey && event.code === code) {
        event.preventDefault();
        actionRef.current();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [letter]);
}

/** Runs `action` on Ctrl+Alt+<letter> without Shift (⌘ on a Mac counts as Ctrl), from anywhere on the page. */
export function useModAltShortcut(letter: string, action: () => void): void {
  const actionRef = useRef(action);
  useEffect(() => {
    actionRef.current = action;
  }, [action]);

  useEffect(() => {
    const code = `Key${letter.toUpperCase()}`;
    const onKeyDown = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.altKey && !event.shiftKey && event.code === code) {
        event.preventDefault();
        actionRef.current();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [letter]);
}
