'use client';
import { useEffect, useLayoutEffect, useState, type RefObject } from 'react';
import { fittingItemCount } from '../../lib/editor/toolbar-overflow';

/** Marks each item the toolbar may fold (its buttons, in order). */
export const TOOLBAR_ITEM_ATTRIBUTE = 'data-toolbar-item';

interface Fit {
  /** The item set measured (items come and go: table tools, Comment). */
  itemsKey: string;
  widthPx: number;
  count: number;
}

/**
 * How many of the toolbar's items stay in its row; the rest go to its "More" menu. While the
 * answer is unknown (first render, another item set, another width) every item is shown
 * (`Infinity`) and measured before the browser paints, so the fold never flickers in; a
 * ResizeObserver notices when the row's width changes.
 */
export function useToolbarOverflow(toolbarRef: RefObject<HTMLElement | null>, itemsKey: string): number {
  const [widthPx, setWidthPx] = useState<number | null>(null);
  const [fit, setFit] = useState<Fit | null>(null);
  const fitted = fit !== null && fit.itemsKey === itemsKey && fit.widthPx === widthPx;

  useLayoutEffect(() => {
    const toolbar = toolbarRef.current;
    if (fitted || !toolbar) return;
    const width = toolbar.clientWidth;
    const items = Array.from(toolbar.querySelectorAll<HTMLElement>(`[${TOOLBAR_ITEM_ATTRIBUTE}]`));
    // The toolbar is the items' offset parent (position: relative), so these are from its start.
    const edges = items.map((item) => item.offsetLeft + item.offsetWidth);
    const gap = parseFloat(getComputedStyle(toolbar).columnGap) || 0;
    // "More" is a toolbar button like the others: as wide as the first.
    const count = fittingItemCount(edges, width, items[0]?.offsetWidth ?? 0, gap);
    setWidthPx(width);
    setFit({ itemsKey, widthPx: width, count });
  }, [toolbarRef, fitted, itemsKey]);

  useEffect(() => {
    const toolbar = toolbarRef.current;
    if (!toolbar) return;
    const observer = new ResizeObserver(() => setWidthPx(toolbar.clientWidth));
    observer.observe(toolbar);
    return () => observer.disconnect();
  }, [toolbarRef]);

  return fitted ? fit.count : Infinity;
}
