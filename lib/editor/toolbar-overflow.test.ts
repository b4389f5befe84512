/** The toolbar's fold: everything when it fits, otherwise what leaves room for "More". */
import { describe, expect, it } from 'vitest';
import { fittingItemCount } from './toolbar-overflow';

// Five 44 px buttons with 4 px between them: right edges at 44, 92, 140, 188, 236.
const edges = [44, 92, 140, 188, 236];

describe('fittingItemCount', () => {
  it('keeps every item when the last one fits, with no room left for More', () => {
    expect(fittingItemCount(edges, 236, 44, 4)).toBe(5);
    expect(fittingItemCount(edges, 1000, 44, 4)).toBe(5);
  });

  it('folds from the end, leaving room for the More button and its gap', () => {
    // 235 px: the last one misses by a pixel; More (44 + 4) must fit after what stays.
    expect(fittingItemCount(edges, 235, 44, 4)).toBe(3);
    expect(fittingItemCount(edges, 188 + 48, 44, 4)).toBe(5);
    expect(fittingItemCount(edges, 140 + 48, 44, 4)).toBe(3);
  });

  it('folds everything when even the first item leaves no room for More', () => {
    expect(fittingItemCount(edges, 60, 44, 4)).toBe(0);
  });

  it('has nothing to fold in an empty toolbar', () => {
    expect(fittingItemCount([], 0, 44, 4)).toBe(0);
  });
});
