/**
 * What each person publishes as their awareness `user` field: their identity, plus
 * `viewing: true` for someone reading through a view link or `commenting: true` for someone on
 * a comment link, so everyone can tell readers and commenters from writers. Pure functions,
 * shared by the editor, the viewer, the commenter page and the presence list.
 */
import type { PresenceIdentity } from '../prefs/identity';
import { isPresenceState } from '../protocol/presence-schema';

/** The awareness `user` field (also what CollaborationCaret draws carets from). */
export interface PresenceUser extends PresenceIdentity {
  /** Present and true only for people on a view-only link. */
  viewing?: true;
  /** Present and true only for people on a comment link (they cannot edit either). */
  commenting?: true;
}

/** The `user` field for this person: marked as commenting on a comment link, else as viewing when they cannot edit. */
export function presenceUserFor(identity: PresenceIdentity, { viewing, commenting = false }: { viewing: boolean; commenting?: boolean }): PresenceUser {
  const { name, color } = identity;
  if (commenting) return { name, color, commenting: true };
  return viewing ? { name, color, viewing: true } : { name, color };
}

/**
 * Reads a client's awareness state: its `user` field, or null unless the whole state is in
 * Tandem's presence schema (lib/protocol/presence-schema.ts). The colour goes into CSS (the avatar's
 * background), so only `#rrggbb` ever gets there, never a `url(...)` that every participant's
 * browser would fetch; the name is 1–40 characters of plain text.
 */
export function readPresenceUser(state: unknown): PresenceUser | null {
  if (!isPresenceState(state) || !state.user) return null;
  const { name, color, viewing, commenting } = state.user;
  if (commenting) return { name, color, commenting: true };
  return viewing ? { name, color, viewing: true } : { name, color };
}
