/**
 * Who a Yjs client id is, for the "Show authors" colours: the server's bindings (client id →
 * author, from GET …/authorship) name everyone who ever wrote; presence (awareness client id
 * = doc client id) names people typing right now before the server has answered; this
 * browser knows its own client id and author id. Current names and colours win over the ones
 * recorded when someone last wrote, so the legend matches the avatars.
 */
import type { AuthorshipResponse } from '../protocol/history-api';
import type { PresenceIdentity } from '../prefs/identity';

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
}

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

  const resolved = new Map<number, AuthorView | null>();
  const resolve = (client: number): AuthorView | null => {
    const authorId = clients[String(client)] ?? (client === self.clientId ? self.authorId : undefined);
    if (authorId !== undefined) {
      const isSelf = selfIds.has(authorId);
      const current = isSelf ? self.identity : presentAuthors.get(authorId);
      const named = current ?? records.get(authorId) ?? { name: UNNAMED_AUTHOR, color: UNNAMED_AUTHOR_COLOR };
      return { id: authorId, name: named.name, color: named.color, isSelf };
    }
    const present = presence.get(client);
    if (present) return { id: `${PRESENCE_AUTHOR_PREFIX}${client}`, name: present.name, color: present.color, isSelf: false };
    return null;
  };
  return {
    authorOf(client) {
      let author = resolved.get(client);
      if (author === undefined) {
        author = resolve(client);
        resolved.set(client, author);
      }
      return author;
    },
  };
}
