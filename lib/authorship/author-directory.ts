/**
 * Who a Yjs client id is, for the "Show authors" colours: the server's bindings (client id →
 * author, from GET …/authorship) name everyone who ever wrote, and its attribution overrides
 * give the clocks a restore re-created back to the text's authors; presence (awareness client
 * id = doc client id) names people typing right now before the server has answered; this
 * browser knows its own client id and author id. Current names and colours win over the ones
 * recorded when someone last wrote, so the legend matches the avatars.
 */
import type { AuthorshipResponse } from '../protocol/history-api';
import type { PresenceIdentity } from '../prefs/identity';
import { OverrideIndex } from '../protocol/override-index';

/** An author as the colours and the legend show them. */
export interface AuthorView {
  /** The server's author id, or `client:<id>` for someone known only from presence so far. */
  id: string;
  name: string;
  color: string;
  /** This browser's author. */
  isSelf: boolean;
}

/** Resolves client ids to authors; null for a client nobody has named (yet). */
export interface AuthorDirectory {
  authorOf(client: number): AuthorView | null;
  /**
   * Calls `visit` with the authors of `client`'s clocks [clock, clock + length), in clock
   * order: authorOf(client) for all of them, but where attribution overrides give some to
   * another author (text a restore re-created), split at the overrides' edges.
   */
  eachAuthor(client: number, clock: number, length: number, visit: AuthorVisitor): void;
}

/** Receives `length` positions of `client`'s text and their author (null: nobody named yet). */
export type AuthorVisitor = (client: number, author: AuthorView | null, length: number) => void;

export interface DirectorySources {
  /** The server's answer, or null before it has answered (or when it cannot). */
  authorship: AuthorshipResponse | null;
  /** Presence users by awareness client id (which is their doc client id). */
  presence: ReadonlyMap<number, PresenceIdentity>;
  self: {
    clientId: number;
    /** This browser's public author id (from its author key). */
    authorId: string;
    identity: PresenceIdentity;
  };
}

/** Prefix of the provisional ids of people known only from presence. */
export const PRESENCE_AUTHOR_PREFIX = 'client:';

/** The name shown for an author the server binds text to but has no record of. */
export const UNNAMED_AUTHOR = 'Unknown author';
/** Colour of that author's text (the neutral grey of the palette). */
export const UNNAMED_AUTHOR_COLOR = '#475467';

/** A directory over the sources as they are now (build a new one when they change). */
export function createAuthorDirectory({ authorship, presence, self }: DirectorySources): AuthorDirectory {
  const clients = authorship?.clients ?? {};
  const records = new Map((authorship?.authors ?? []).map((author) => [author.id, author]));
  const selfIds = new Set([self.authorId]);
  const ownBinding = clients[String(self.clientId)];
  // In token mode the author id is the token's subject, not the key's hash: the server's
  // binding of this page's client id says which it is.
  if (ownBinding) selfIds.add(ownBinding);
  // Who is here now, by author: their presence name and colour.
  const presentAuthors = new Map<string, PresenceIdentity>();
  presence.forEach((user, client) => {
    const author = clients[String(client)];
    if (author && !presentAuthors.has(author)) presentAuthors.set(author, user);
  });

  const views = new Map<string, AuthorView>();
  const viewOf = (authorId: string): AuthorView => {
    let view = views.get(authorId);
    if (!view) {
      const isSelf = selfIds.has(authorId);
      const current = isSelf ? self.identity : presentAuthors.get(authorId);
      const named = current ?? records.get(authorId) ?? { name: UNNAMED_AUTHOR, color: UNNAMED_AUTHOR_COLOR };
      view = { id: authorId, name: named.name, color: named.color, isSelf };
      views.set(authorId, view);
    }
    return view;
  };
  const resolved = new Map<number, AuthorView | null>();
  const resolve = (client: number): AuthorView | null => {
    const authorId = clients[String(client)] ?? (client === self.clientId ? self.authorId : undefined);
    if (authorId !== undefined) return viewOf(authorId);
    const present = presence.get(client);
    if (present) return { id: `${PRESENCE_AUTHOR_PREFIX}${client}`, name: present.name, color: present.color, isSelf: false };
    return null;
  };
  const authorOf = (client: number): AuthorView | null => {
    let author = resolved.get(client);
    if (author === undefined) {
      author = resolve(client);
      resolved.set(client, author);
    }
    return author;
  };
  const overrides = new OverrideIndex(
    (authorship?.overrides ?? []).map(({ client, clock, length, author }) => ({ client: Number(client), clock, length, author })),
  );
  return {
    authorOf,
    eachAuthor(client, clock, length, visit) {
      // Nearly every client has no overrides: one Map lookup, no allocation.
      if (overrides.covers(client)) {
        const split = overrides.forEachPiece(client, clock, length, (author, size) => visit(client, author === null ? authorOf(client) : viewOf(author), size));
        if (split) return;
      }
      visit(client, authorOf(client), length);
    },
  };
}
