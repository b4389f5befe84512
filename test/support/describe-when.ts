/** A suite that needs something the machine may lack (PostgreSQL, Redis, nginx). */
import { describe, it } from 'vitest';

/**
 * `describe(title, body)` when `skipReason` is null; otherwise one skipped test named after the
 * reason, so the report says why the suite did not run (and CI, which has everything, runs it).
 */
export function describeUnlessSkipped(title: string, skipReason: string | null, body: () => void): void {
  if (skipReason) describe(title, () => it.skip(skipReason, () => {}));
  else describe(title, body);
}
