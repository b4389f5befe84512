'use client';
import type { Editor } from '@tiptap/core';
import { useCallback, useEffect, useState } from 'react';
import type { Awareness } from 'y-protocols/awareness';
import { caretPositionOf, revealPosition } from '../../lib/presence/presence-caret';

/** Keys that move focus or are held for shortcuts: pressing them is not "acting" on the page. */
const NON_ACTING_KEYS = new Set(['Tab', 'Shift', 'Control', 'Alt', 'Meta', 'CapsLock']);

/**
 * Jump to another person's caret and follow it: scrolls their caret into view (our own
 * selection is untouched) and keeps it there as they type, until we act ourselves (type,
 * click, touch, scroll with the wheel or keys) or they leave.
 */
export function useFollowCaret(editor: Editor | null, awareness: Awareness) {
  const [followed, setFollowed] = useState<number | null>(null);

  const follow = useCallback(
    (clientId: number) => {
      if (!editor || editor.isDestroyed) return;
      const position = caretPositionOf(editor, awareness, clientId);
      if (position !== null) revealPosition(editor, position, 'centre');
      setFollowed(clientId);
    },
    [editor, awareness],
  );
  const stop = useCallback(() => setFollowed(null), []);

  useEffect(() => {
    if (followed === null || !editor) return;
    let frame = 0;
    // After the view has drawn their latest change, so the caret's coordinates are current.
    const keepInView = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        if (editor.isDestroyed) return;
        const position = caretPositionOf(editor, awareness, followed);
        if (position !== null) revealPosition(editor, position, 'keep-in-view');
      });
    };
    const onAwareness = ({ updated, removed }: { updated: number[]; removed: number[] }) => {
      if (removed.includes(followed)) setFollowed(null);
      else if (updated.includes(followed)) keepInView();
    };
    const onKey = (event: KeyboardEvent) => {
      if (!NON_ACTING_KEYS.has(event.key)) setFollowed(null);
    };
    const onAct = () => setFollowed(null);
    awareness.on('change', onAwareness);
    editor.on('update', keepInView);
    const capture = { capture: true, passive: true } as const;
    window.addEventListener('keydown', onKey, capture);
    window.addEventListener('wheel', onAct, capture);
    window.addEventListener('pointerdown', onAct, capture);
    window.addEventListener('touchstart', onAct, capture);
    return () => {
      cancelAnimationFrame(frame);
      awareness.off('change', onAwareness);
      editor.off('update', keepInView);
      window.removeEventListener('keydown', onKey, capture);
      window.removeEventListener('wheel', onAct, capture);
      window.removeEventListener('pointerdown', onAct, capture);
      window.removeEventListener('touchstart', onAct, capture);
    };
  }, [followed, editor, awareness]);

  return { followed, follow, stop };
}
