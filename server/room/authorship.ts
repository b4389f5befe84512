/**
 * Who wrote what in one room: every Yjs client id is bound to the author of the connection that
 * first wrote with it, and a connection may write only with client ids that are unbound or its
 * own author's. The bindings are stored with the entries that make them (AppendMeta.bindings),
 * shared with the other instances, and drive history attribution and "show authors".
 *
 * What a connection sends under another author's client id is dropped and counted, never the
 * rest of its message: a browser resending its own offline edits keeps them (its author key is
 * stable, so its earlier client ids are its own), and one that holds other people's changes
 * the server lost (restored from an older backup) sends them under ids nobody holds any more.
 * An id an editor announced in presence is reserved for that editor's author, so nobody can
 * take it between the announcement and the first keystroke.
 */
import * as Y from 'yjs';
import { ANONYMOUS_AUTHOR_ID } from '../authors';
import type { Connection } from '../connection';
import type { WriteOrigin } from './durable-writer';
import type { DecodedUpdate } from '../document-guard';
import type { AuthorRecord, ClientBinding } from '../storage';

/** What admit() found in one update. */
export interface AuthorshipVerdict {
  /** Client ids the update writes with that belong to another author (their structs must go). */
  foreign: number[];
  /** Client ids it writes with that nobody holds yet (bound to its author once it is applied). */
  unbound: number[];
}

export interface RoomAuthorshipOptions {
  /** The editor whose presence holds a client id (presence.ts). */
  editorHolding: (clientId: number) => Connection | 'remote' | null;
  /** The name and colour a connection shows in its presence. */
  userOf: (origin: WriteOrigin) => { name: string; color: string } | null;
}

/** Name and colour of the shared anonymous author and of authors who show none. */
const ANONYMOUS_NAME = 'Anonymous';
const UNNAMED_COLOR = '#6b7280';

/** Reservations remembered for ids other instances' editors hold (oldest forgotten first). */
const MAX_REMOTE_RESERVATIONS = 10_000;

/** A state vector clock past any real one: `Y.diffUpdate` drops every struct below it. */
const PAST_EVERY_CLOCK = Number.MAX_SAFE_INTEGER;

export class RoomAuthorship {
  private readonly authorByClient = new Map<number, string>();
  /** Presence ids other instances' editors hold, and their authors (scale message RESERVED). */
  private readonly remoteReservations = new Map<number, string>();
  private readonly options: RoomAuthorshipOptions;

  constructor(bindings: readonly ClientBinding[], options: RoomAuthorshipOptions) {
    this.options = options;
    this.learn(bindings);
  }

  /** The author bound to `clientId`, if any. */
  authorOf(clientId: number): string | undefined {
    return this.authorByClient.get(clientId);
  }

  /** Every binding held (tests, the authorship API of a loaded room). */
  get bindings(): ClientBinding[] {
    return Array.from(this.authorByClient, ([clientId, authorId]) => ({ clientId, authorId }));
  }

  /** Takes bindings made elsewhere (another instance, storage); an existing binding stays. */
  learn(bindings: readonly ClientBinding[]): void {
    for (const { clientId, authorId } of bindings) {
      if (!this.authorByClient.has(clientId)) this.authorByClient.set(clientId, authorId);
    }
  }

  /**
   * Notes that an editor of `authorId` on another instance announced `clientId` in presence:
   * while that instance's presence holds it, nobody else may take it here either.
   */
  reserveForRemote(reservations: readonly ClientBinding[]): void {
    for (const { clientId, authorId } of reservations) {
      this.remoteReservations.delete(clientId);
      this.remoteReservations.set(clientId, authorId);
    }
    while (this.remoteReservations.size > MAX_REMOTE_RESERVATIONS) {
      this.remoteReservations.delete(this.remoteReservations.keys().next().value!);
    }
  }

  /**
   * Sorts the client ids `update` writes with (its structs; deletions may name anyone's) into
   * those of another author and those nobody holds. A Map lookup per struct group: the cost of
   * attribution on the keystroke path.
   */
  admit(origin: WriteOrigin, update: DecodedUpdate): AuthorshipVerdict {
    const author = origin.author.id;
    let foreign: number[] | null = null;
    let unbound: number[] | null = null;
    let last = -1;
    for (const struct of update.structs) {
      const client = struct.id.client;
      if (client === last || struct instanceof Y.Skip) continue;
      last = client;
      const holder = this.authorByClient.get(client);
      if (holder === author) continue;
      if (holder !== undefined || this.reservedForOther(client, origin)) (foreign ??= []).push(client);
      else if (!unbound?.includes(client)) (unbound ??= []).push(client);
    }
    return { foreign: foreign ?? [], unbound: unbound ?? [] };
  }

  /** Binds `clientIds` to `authorId` (after the update writing with them was applied). */
  bind(clientIds: readonly number[], authorId: string): ClientBinding[] {
    const made: ClientBinding[] = [];
    for (const clientId of clientIds) {
      if (this.authorByClient.has(clientId)) continue;
      this.authorByClient.set(clientId, authorId);
      made.push({ clientId, authorId });
    }
    return made;
  }

  /** The author record `connection` writes as now: its vouched or presence name and colour. */
  recordOf(connection: WriteOrigin): AuthorRecord {
    const { id, vouchedName, vouchedColor } = connection.author;
    if (id === ANONYMOUS_AUTHOR_ID) return { id, name: ANONYMOUS_NAME, color: UNNAMED_COLOR };
    const user = this.options.userOf(connection);
    return { id, name: vouchedName ?? user?.name ?? ANONYMOUS_NAME, color: vouchedColor ?? user?.color ?? UNNAMED_COLOR };
  }

  /** Whether an editor of another author announced `clientId` in presence, here or on another instance. */
  private reservedForOther(clientId: number, origin: WriteOrigin): boolean {
    const holder = this.options.editorHolding(clientId);
    if (holder === null) return false;
    if (holder === 'remote') {
      const author = this.remoteReservations.get(clientId);
      return author !== undefined && author !== origin.author.id;
    }
    return holder !== origin && holder.author.id !== origin.author.id;
  }
}

/** `update` without the structs of `clientIds` (its deletions are kept: anyone may delete). */
export function withoutClients(update: Uint8Array, clientIds: readonly number[]): Uint8Array {
  const beyond = new Map<number, number>(clientIds.map((client) => [client, PAST_EVERY_CLOCK]));
  return Y.diffUpdate(update, Y.encodeStateVector(beyond));
}
