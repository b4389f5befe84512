/**
 * Who wrote and who deleted what, in the shape y-tiptap's snapshot renderer asks of a
 * `permanentUserData` (`dss`, `getUserByClientId`, `getUserByDeletedId`), built from the
 * server's `GET …/authorship` answer instead of Yjs' in-document PermanentUserData (which
 * grows the document and is client-asserted). Also the colour each author's changes get.
 */
import { fromBase64 } from 'lib0/buffer';
import * as Y from 'yjs';
import type { AuthorshipResponse, VersionAuthor } from '../protocol/history-api';

/** Stands for changes whose author the server does not know (written before attribution existed). */
export const UNKNOWN_AUTHOR_ID = 'unknown';
/** Grey for unattributed changes: dark enough for a tint behind body text and a visible underline. */
export const UNKNOWN_AUTHOR_COLOR = '#667085';

/** A Yjs delete set (Yjs exports the functions over it, not the class's type). */
export type DeleteSet = ReturnType<typeof Y.createDeleteSet>;

/** y-tiptap's colour pair; the viewer uses one colour for both themes (CSS tints it). */
export interface ChangeColor {
  light: string;
  dark: string;
}

/** The duck-typed PermanentUserData y-tiptap calls while it renders a diff. */
export interface ServerAttribution {
  /** Per author id, everything that author deleted (y-tiptap splits items along these). */
  dss: Map<string, DeleteSet>;
  getUserByClientId(client: number): string;
  getUserByDeletedId(id: Y.ID): string;
}

export interface HistoryAuthorship {
  attribution: ServerAttribution;
  /** Every known author by id, the unknown author included. */
  authors: Map<string, VersionAuthor>;
  /** Author id → colour, for y-tiptap's `colorMapping` (so it never picks a random one). */
  colorMapping: Map<string, ChangeColor>;
}

const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;
const CLIENT_ID = /^\d{1,16}$/;

/** An author for changes nobody is known for. */
export const UNKNOWN_AUTHOR: VersionAuthor = { id: UNKNOWN_AUTHOR_ID, name: 'Unknown author', color: UNKNOWN_AUTHOR_COLOR };

/** The colour to draw with: the author's own if it is `#rrggbb`, else the unknown grey (never raw CSS). */
export function safeAuthorColor(color: unknown): string {
  return typeof color === 'string' && HEX_COLOR.test(color) ? color : UNKNOWN_AUTHOR_COLOR;
}

/**
 * The attribution y-tiptap renders with, from the server's answer. Throws an Error naming
 * what is wrong when the answer is malformed (nothing is half-built).
 */
export function historyAuthorshipFrom(response: AuthorshipResponse): HistoryAuthorship {
  if (!response || typeof response !== 'object') throw new Error('authorship: the answer is not an object');
  const { clients, authors, deletions } = response;
  if (!clients || typeof clients !== 'object' || Array.isArray(clients)) throw new Error('authorship: "clients" is not an object');
  if (!Array.isArray(authors)) throw new Error('authorship: "authors" is not a list');
  if (!Array.isArray(deletions)) throw new Error('authorship: "deletions" is not a list');

  const authorById = new Map<string, VersionAuthor>([[UNKNOWN_AUTHOR_ID, UNKNOWN_AUTHOR]]);
  for (const author of authors) {
    if (typeof author?.id !== 'string' || typeof author.name !== 'string') throw new Error('authorship: an author lacks an id or a name');
    authorById.set(author.id, { id: author.id, name: author.name, color: safeAuthorColor(author.color) });
  }

  const authorOfClient = new Map<number, string>();
  for (const [client, authorId] of Object.entries(clients)) {
    if (!CLIENT_ID.test(client) || typeof authorId !== 'string') throw new Error(`authorship: client "${client}" is not a client id bound to an author id`);
    authorOfClient.set(Number(client), authorId);
  }

  const dss = new Map<string, DeleteSet>();
  for (const deletion of deletions) {
    if (typeof deletion?.author !== 'string' || typeof deletion.snapshot !== 'string') {
      throw new Error('authorship: a deletion lacks an author or a snapshot');
    }
    let ds: DeleteSet;
    try {
      ds = Y.decodeSnapshot(fromBase64(deletion.snapshot)).ds;
    } catch (error) {
      throw new Error(`authorship: the deletions of ${deletion.author} are not a Yjs snapshot (${(error as Error).message})`);
    }
    const earlier = dss.get(deletion.author);
    // mergeDeleteSets also sorts and joins ranges, which isDeleted's binary search needs.
    dss.set(deletion.author, Y.mergeDeleteSets(earlier ? [earlier, ds] : [ds]));
  }

  const knownOrUnknown = (authorId: string | undefined) => (authorId !== undefined && authorById.has(authorId) ? authorId : UNKNOWN_AUTHOR_ID);
  const attribution: ServerAttribution = {
    dss,
    getUserByClientId: (client) => knownOrUnknown(authorOfClient.get(client)),
    getUserByDeletedId: (id) => {
      for (const [authorId, ds] of dss) {
        if (Y.isDeleted(ds, id)) return knownOrUnknown(authorId);
      }
      return UNKNOWN_AUTHOR_ID;
    },
  };

  const colorMapping = new Map<string, ChangeColor>();
  for (const author of authorById.values()) colorMapping.set(author.id, { light: author.color, dark: author.color });
  return { attribution, authors: authorById, colorMapping };
}
