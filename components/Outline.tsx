'use client';
import { useEditorState, type Editor } from '@tiptap/react';
import { useEffect, useId, useRef, useState } from 'react';
import { outlineOf, type OutlineHeading } from '../lib/editor/outline';
import { useOutlineOpen } from './hooks/use-outline-open';

const NO_HEADINGS: readonly OutlineHeading[] = [];

/** Space left above a heading scrolled to, below the sticky header. */
const SCROLL_GAP_PX = 12;

/** The bottom of the sticky header: what is above it is out of view. */
function headerBottom(): number {
  return document.querySelector('.editor-header')?.getBoundingClientRect().bottom ?? 0;
}

/** Where the heading at `pos` is drawn (null if it is not in the view yet). */
function headingElement(editor: Editor, pos: number): HTMLElement | null {
  const node = editor.view.nodeDOM(pos);
  return node instanceof HTMLElement ? node : null;
}

/** Index of the heading in view: the last one whose top is above the header's bottom (plus a gap), else the first. */
function headingInView(editor: Editor, positions: readonly number[]): number {
  if (positions.length === 0) return -1;
  const line = headerBottom() + SCROLL_GAP_PX * 2;
  // Headings are in document order, so their tops are sorted: binary search.
  let low = 0;
  let high = positions.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    const top = headingElement(editor, positions[middle])?.getBoundingClientRect().top ?? Infinity;
    if (top <= line) low = middle + 1;
    else high = middle;
  }
  return Math.max(0, low - 1);
}

/**
 * The outline panel: the document's headings, levels indented, live as anyone types (kept by
 * lib/editor/outline.ts); clicking one (or Enter on it) scrolls to it and puts the caret at its
 * start, and the heading in view is marked (aria-current). Folds and unfolds with its button;
 * the choice is remembered in this browser (folded by default on a phone).
 */
export function Outline({ editor }: { editor: Editor }) {
  const [open, setOpen] = useOutlineOpen();
  const listId = useId();
  const headings = useEditorState({
    editor,
    selector: ({ editor: current }) => outlineOf(current.state)?.headings ?? NO_HEADINGS,
    // The list keeps its identity while no heading changes: no redraw for typing in a paragraph.
    equalityFn: (a, b) => a === b,
  });
  const [inView, setInView] = useState(-1);
  // The heading just chosen stays marked while the page stays where it was scrolled for it
  // (a short document cannot bring its last headings to the top).
  const chosen = useRef<{ index: number; scrollY: number } | null>(null);

  useEffect(() => {
    if (!open) return;
    let frame = 0;
    const update = () => {
      frame = 0;
      if (editor.isDestroyed) return;
      if (chosen.current && Math.abs(window.scrollY - chosen.current.scrollY) < 2) return setInView(chosen.current.index);
      chosen.current = null;
      setInView(headingInView(editor, outlineOf(editor.state)?.positions ?? []));
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(update);
    };
    schedule();
    window.addEventListener('scroll', schedule, { passive: true });
    window.addEventListener('resize', schedule);
    return () => {
      window.removeEventListener('scroll', schedule);
      window.removeEventListener('resize', schedule);
      if (frame) cancelAnimationFrame(frame);
    };
  }, [editor, open, headings]);

  const goTo = (index: number) => {
    const pos = outlineOf(editor.state)?.positions[index];
    if (pos === undefined) return;
    editor.chain().setTextSelection(pos + 1).focus(undefined, { scrollIntoView: false }).run();
    const element = headingElement(editor, pos);
    if (element) window.scrollTo({ top: window.scrollY + element.getBoundingClientRect().top - headerBottom() - SCROLL_GAP_PX });
    chosen.current = { index, scrollY: window.scrollY };
    setInView(index);
  };

  return (
    <nav aria-label="Outline" className="outline">
      <button type="button" className="outline-toggle" aria-expanded={open} aria-controls={listId} onClick={() => setOpen(!open)}>
        <span aria-hidden="true">{open ? '▾' : '▸'}</span> Outline
      </button>
      <div id={listId} hidden={!open}>
        {headings.length === 0 ? (
          <p className="outline-empty muted">Headings you add appear here.</p>
        ) : (
          <ol className="outline-list">
            {headings.map((heading, index) => (
              <li key={index} className={`outline-level-${Math.min(heading.level, 6)}`}>
                <button
                  type="button"
                  className="outline-item"
                  aria-current={index === inView ? 'location' : undefined}
                  onClick={() => goTo(index)}
                >
                  {heading.text || 'Untitled heading'}
                </button>
              </li>
            ))}
          </ol>
        )}
      </div>
    </nav>
  );
}
