/** The avatar stack: initials for a name, and which people get an avatar or fold into "+N". */

/** How many avatars the stack shows before folding the rest into "+N". */
export const MAX_VISIBLE_AVATARS = 5;

/** Up to two initials: first and last word ("Curious Otter" → "CO"), one for a single word. */
export function initialsOf(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return '?';
  const first = Array.from(words[0])[0];
  const last = words.length > 1 ? Array.from(words[words.length - 1])[0] : '';
  return (first + last).toLocaleUpperCase();
}

/** Splits people into those shown as avatars and those counted in "+N". */
export function splitAvatars<T>(people: readonly T[], max = MAX_VISIBLE_AVATARS): { shown: T[]; folded: T[] } {
  // Never fold a single person: "+1" takes the place an avatar would.
  if (people.length <= max) return { shown: [...people], folded: [] };
  return { shown: people.slice(0, max - 1), folded: people.slice(max - 1) };
}
