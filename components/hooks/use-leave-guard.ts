'use client';
import { useEffect } from 'react';

/**
 * While `shouldAsk()` holds, closing the tab, reloading or navigating away asks first (the
 * browser shows its own wording). Reads the condition at the moment of leaving.
 */
export function useLeaveGuard(shouldAsk: () => boolean): void {
  useEffect(() => {
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      if (!shouldAsk()) return;
      event.preventDefault();
      // Older browsers need returnValue set to show the prompt.
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [shouldAsk]);
}
