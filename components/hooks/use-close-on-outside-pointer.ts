'use client';
import { useEffect, type RefObject } from 'react';

/**
 * While `open`, a press anywhere outside `containerRef` (and outside what `keepOpenInside`
 * accepts, e.g. a dialog the menu opened) calls `close`: how Tandem's disclosure menus
 * (Export, the header's Menu, the toolbar's More) dismiss themselves.
 */
export function useCloseOnOutsidePointer(
  containerRef: RefObject<HTMLElement | null>,
  open: boolean,
  close: () => void,
  keepOpenInside?: (target: Element) => boolean,
): void {
  useEffect(() => {
    if (!open) return;
    const closeOnOutsidePointer = (event: PointerEvent) => {
      const target = event.target as Element;
      if (containerRef.current?.contains(target) || keepOpenInside?.(target)) return;
      close();
    };
    document.addEventListener('pointerdown', closeOnOutsidePointer);
    return () => document.removeEventListener('pointerdown', closeOnOutsidePointer);
  }, [containerRef, open, close, keepOpenInside]);
}
