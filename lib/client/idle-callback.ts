/**
 * requestIdleCallback where the browser has one (Safari does not), else a timeout: work that
 * may wait until the frame in progress is painted (recounting words, measuring comment cards).
 */
export function whenIdle(callback: () => void, timeoutMs: number): number {
  if (typeof requestIdleCallback === 'function') return requestIdleCallback(callback, { timeout: timeoutMs });
  return window.setTimeout(callback, 0);
}

export function cancelIdle(handle: number): void {
  if (typeof cancelIdleCallback === 'function') cancelIdleCallback(handle);
  else clearTimeout(handle);
}
