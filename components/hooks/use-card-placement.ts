'use client';
import type { Editor } from '@tiptap/react';
import { useCallback, useEffect, useLayoutEffect, useRef, type RefObject } from 'react';
import { cancelIdle, whenIdle } from '../../lib/client/idle-callback';
import { commentRangesIn, lastCommentChange } from '../../lib/editor/comment-mark';
import type { ThreadStarts } from './use-thread-starts';

/** Gap between stacked card slots in px: with the slots' 3px padding (comments.css), 8px between cards. */
const CARD_GAP = 2;
/** Quiet time after the last change before every card is measured again (see below). */
const SETTLE_MS = 1_000;
/** How long that idle-time measuring may wait for the browser to be idle. */
const IDLE_TIMEOUT_MS = 2_000;

/** What is known of each card between placements. */
interface CardPlace {
  /** Where its text is, relative to the top of the card list; null: no text ("on deleted text"). */
  wanted: number | null;
  height: number;
}

/**
 * Sets each thread card's `top` so it sits level with its text, pushed down past the card
 * above (wide screens; on narrow ones the cards are a plain list and nothing is measured).
 * Cards are `[data-thread-id]` elements inside `.comments-list`.
 *
 * Measuring where text is costs a layout read per card, too much per keystroke with hundreds of
 * threads, so cards are measured only when they may have moved:
 * - all of them when the list of cards changes (cards came, went or changed order; at once, so
 *   a new card never shows at the wrong place), and after a resize of the document, the margin or a
 *   card (lines wrapping, an image loading, a reply being typed);
 * - after a change to the text, only the cards whose text is in the blocks it touched (text
 *   elsewhere moves only if the document's height changes, which is a resize);
 * - and all of them once the document has been quiet for a second, in idle time, in case text
 *   moved without any resize.
 * Except for the first, measuring waits until the browser has painted the frame (a keystroke
 * shows first); a burst of changes is one placement, and only cards whose place changed are written.
 */
export function useCardPlacement(marginRef: RefObject<HTMLElement | null>, editor: Editor, startsRef: RefObject<ThreadStarts>, cards: readonly unknown[]): void {
  const placesRef = useRef(new Map<string, CardPlace>());

  /** Measures the cards in `only` (every card without it), then stacks and writes them all. */
  const place = useCallback(
    (only?: ReadonlySet<string>) => {
      const margin = marginRef.current;
      const list = margin?.querySelector<HTMLElement>('.comments-list');
      if (!margin || !list || editor.isDestroyed) return;
      const slots = [...list.children].filter((slot): slot is HTMLElement => slot instanceof HTMLElement && slot.dataset.threadId !== undefined);
      if (slots.length === 0 || getComputedStyle(slots[0]).position !== 'absolute') return;
      const places = placesRef.current;
      const starts = startsRef.current;
      // Every read before any write: a read after a write lays the whole document out again.
      const listTop = list.getBoundingClientRect().top;
      const stack = slots.map((slot) => {
        const id = slot.dataset.threadId!;
        const known = places.get(id);
        if (known && only && !only.has(id)) return { slot, id, place: known };
        const from = starts.get(id);
        return { slot, id, place: { wanted: from === undefined ? null : textTop(editor, from) - listTop, height: known && only ? known.height : slot.offsetHeight } };
      });
      places.clear();
      let next = 0;
      for (const { slot, id, place: card } of stack) {
        places.set(id, card);
        const top = Math.max(card.wanted ?? next, next);
        next = top + card.height + CARD_GAP;
        const value = `${top}px`;
        if (slot.style.top !== value) slot.style.top = value;
      }
      const height = `${next}px`;
      if (margin.style.getPropertyValue('--margin-height') !== height) margin.style.setProperty('--margin-height', height);
    },
    [editor, marginRef, startsRef],
  );

  // Cards came, went or changed order (`cards` is a new list): measured before they are painted.
  useLayoutEffect(() => place(), [place, cards]);

  useEffect(() => {
    let frame = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let settleTimer: ReturnType<typeof setTimeout> | undefined;
    let idle = 0;
    /** The cards to measure at the next placement; null: all. */
    let pending: Set<string> | null | undefined;
    const placeAfterPaint = (ids: Set<string> | null) => {
      const scheduled = pending !== undefined;
      pending = pending === null || ids === null ? null : new Set([...(pending ?? []), ...ids]);
      if (scheduled) return;
      // A timeout from inside the frame callback runs after that frame is painted.
      frame = requestAnimationFrame(() => {
        timer = setTimeout(() => {
          const only = pending;
          pending = undefined;
          place(only ?? undefined);
        }, 0);
      });
    };
    const placeAllWhenSettled = () => {
      clearTimeout(settleTimer);
      cancelIdle(idle);
      settleTimer = setTimeout(() => (idle = whenIdle(() => place(), IDLE_TIMEOUT_MS)), SETTLE_MS);
    };
    const onTransaction = () => {
      const changed = lastCommentChange(editor.state);
      if (!changed) return;
      const { doc } = editor.state;
      // The whole top-level blocks the change touched: text after it in the same block may rewrap.
      const $from = doc.resolve(changed.from);
      const $to = doc.resolve(Math.min(doc.content.size, changed.toAfter));
      const from = $from.depth > 0 ? $from.before(1) : $from.pos;
      const to = $to.depth > 0 ? $to.after(1) : $to.pos;
      const touched = new Set<string>();
      for (const [id, ranges] of commentRangesIn(editor.state)) if (ranges[0].from >= from && ranges[0].from <= to) touched.add(id);
      if (touched.size > 0) placeAfterPaint(touched);
      placeAllWhenSettled();
    };
    editor.on('transaction', onTransaction);
    const resizes = new ResizeObserver(() => placeAfterPaint(null));
    // The document's column (title and text), the margin, and each card.
    resizes.observe(editor.view.dom.closest('.document-column') ?? editor.view.dom);
    if (marginRef.current) resizes.observe(marginRef.current);
    const list = marginRef.current?.querySelector('.comments-list');
    const observeCards = () => list?.querySelectorAll(':scope > [data-thread-id]').forEach((slot) => resizes.observe(slot));
    observeCards();
    // Cards added later are observed as they arrive.
    const cards = new MutationObserver(observeCards);
    if (list) cards.observe(list, { childList: true });
    return () => {
      editor.off('transaction', onTransaction);
      resizes.disconnect();
      cards.disconnect();
      cancelAnimationFrame(frame);
      clearTimeout(timer);
      clearTimeout(settleTimer);
      cancelIdle(idle);
    };
  }, [editor, marginRef, place, startsRef]);
}

/** Where the text at `pos` is on screen (0 when the view cannot tell, as during a rebuild). */
function textTop(editor: Editor, pos: number): number {
  try {
    return editor.view.coordsAtPos(Math.min(pos, editor.state.doc.content.size)).top;
  } catch {
    return 0;
  }
}
