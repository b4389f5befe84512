/**
 * What each person publishes as their awareness `user` field: their identity, plus
 * `viewing: true` for someone reading through a view link, so everyone can tell readers from
 * writers. Pure functions, shared by the editor, the viewer and the presence list.
 */
import type { Identity } from './identity';

/** The awareness `user` field (also what CollaborationCaret draws carets from). */
export interface PresenceUser extends Identity {
  /** Present and true only for people on a view-only link. */
  viewing?: true;
}

/** The `user` field for this person: marked as viewing when they cannot edit. */
export function presenceUserFor(identity: Identity, { viewing }: { viewing: boolean }): PresenceUser {
  return viewing ? { name: identity.name, color: identity.color, viewing: true } : { name: identity.name, color: identity.color };
}

/** Reads another client's awareness state; null when it carries no usable `user` field. */
export function readPresenceUser(state: unknown): PresenceUser | null {
  const user = (state as { user?: { name?: unknown; color?: unknown; viewing?: unknown } } | null)?.user;
  if (typeof user?.name !== 'string' || typeof user.color !== 'string') return null;
  return user.viewing === true ? { name: user.name, color: user.color, viewing: true } : { name: user.name, color: user.color };
}
