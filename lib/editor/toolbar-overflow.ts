/**
 * How much of the formatting toolbar fits in its row: the rest folds into its "More" menu.
 * Measured from the row's width, so a phone shows what fits there and a wide window all of it.
 */

/**
 * How many items (measured laid out in one row, each by the right edge of its box from the row's
 * start) fit in `availablePx`: all of them when the last fits; otherwise as many as leave room
 * for the "More" button (`morePx` wide, `gapPx` after the last item shown).
 */
export function fittingItemCount(rightEdgesPx: readonly number[], availablePx: number, morePx: number, gapPx: number): number {
  const count = rightEdgesPx.length;
  if (count === 0 || rightEdgesPx[count - 1] <= availablePx) return count;
  const limit = availablePx - morePx - gapPx;
  let fitting = 0;
  while (fitting < count && rightEdgesPx[fitting] <= limit) fitting++;
  return fitting;
}
