/**
 * One room's presence (its Yjs awareness), owned per connection (security review C1, H1). A
 * connection may set, renew and remove only the client ids it introduced: first come, at most
 * `maxIdsPerConnection`, in Tandem's presence schema, with clocks a client reaches by counting.
 * Editors outrank viewers: a viewer may not introduce an id an editor held last or wrote to the
 * document with, and an editor takes back an id a viewer holds (or held last) when it comes
 * back. Anything else is dropped before it reaches the awareness, so only what was accepted is
 * ever relayed: to every member, and through `onLocalChange` to the other server instances,
 * whose clients' ids are owned by the instance that relayed them.
 * (One file, past 300 lines, because ownership, the schema gate and the relay are one rule:
 * split, each part would have to re-derive who owns an id.)
 */
import { equalityDeep } from 'lib0/function';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { CloseCode } from '../../lib/protocol/close-codes';
import { presenceStateProblem } from '../../lib/protocol/presence-schema';
import type { Connection } from '../connection';
import type { Logger } from '../log';
import type { Metrics, RejectionReason } from '../metrics';
import { encodeAwareness, encodeAwarenessEntries, ProtocolError, readAwarenessEntries, type AwarenessEntry } from '../protocol';
import { editsDocument } from '../auth';

/** Largest step a client id's clock may take at once; stock clients count up by one per change. */
const MAX_PRESENCE_CLOCK_STEP = 2 ** 20;
/**
 * Highest clock an id the server holds no clock for may start at. No client counts this far
 * (35,000 years at one change a second), and one pushed here still has room to count below
 * 2^53, where clocks stop: from there on, each clock is only bounded by the step above.
 */
const MAX_PRESENCE_CLOCK = 2 ** 40;
/**
 * Ids whose owner left are remembered (with their last clock, which tells a late echo from
 * news, and whether an editor, a viewer or another instance held them) up to this many; the
 * longest gone are forgotten, so reconnect churn cannot grow memory.
 */
const REMEMBERED_RELEASED_IDS = 10_000;

/** What a room gives its presence: the doc, where to count and log, the id cap, its members. */
export interface RoomPresenceOptions {
  doc: Y.Doc;
  metrics: Metrics;
  logger: Logger;
  /** Client ids one connection may introduce (MAX_PRESENCE_IDS_PER_CONNECTION). */
  maxIdsPerConnection: number;
  /** Presence bytes (states' JSON) the room holds at most (MAX_PRESENCE_BYTES_PER_ROOM). */
  maxBytesPerRoom: number;
  /** The room's connections: everything accepted is relayed to each of them. */
  members: () => Iterable<Connection>;
}

/** Another server instance: owner of the ids it relays, and the origin of what it changes here. */
class RemoteInstance {
  constructor(readonly name: string) {}
}

type Owner = Connection | RemoteInstance;

/** Who held a released id: another instance's clients may be editors, commenters or viewers. */
type HolderRole = Connection['role'] | 'remote';

/**
 * What becomes of one entry: applied, applied as an editor taking its id back from a viewer
 * (`reclaim`), dropped silently (`echo`, `absent`), or dropped and counted.
 */
type Verdict = 'accept' | 'reclaim' | 'echo' | 'absent' | RejectionReason;

interface AwarenessChanges {
  added: number[];
  updated: number[];
  removed: number[];
}

/** A room's presence: who may write which client ids, and relaying what they may. */
export class RoomPresence {
  /** The states relayed. The server is no participant: its own local state stays null. */
  readonly awareness: awarenessProtocol.Awareness;
  private readonly options: RoomPresenceOptions;
  private readonly log: Logger;
  private readonly owners = new Map<number, Owner>();
  private readonly idsByOwner = new Map<Owner, Set<number>>();
  /** Released ids and who held them, longest gone first (a Map keeps insertion order). */
  private readonly released = new Map<number, HolderRole>();
  private readonly remotes = new Map<string, RemoteInstance>();
  private readonly localListeners = new Set<(update: Uint8Array) => void>();
  private readonly claimListeners = new Set<(clientId: number, editor: Connection) => void>();
  /** JSON bytes of each state held, and their sum (for MAX_PRESENCE_BYTES_PER_ROOM). */
  private readonly stateBytes = new Map<number, number>();
  private totalBytes = 0;
  /** Everyone present as one frame, encoded once per change and shared by every answer. */
  private everyoneFrame: Uint8Array | null = null;
  private destroyed = false;

  constructor(options: RoomPresenceOptions) {
    this.options = options;
    this.log = options.logger;
    this.awareness = new awarenessProtocol.Awareness(options.doc);
    this.awareness.setLocalState(null);
    this.awareness.on('update', this.relay);
  }

  /** Sends a joining member everyone present, if anyone is. */
  greet(connection: Connection): void {
    if (this.awareness.getStates().size > 0) this.answerQuery(connection);
  }

  /** Answers query-awareness: everyone present (possibly no one). */
  answerQuery(connection: Connection): void {
    if (!this.everyoneFrame) {
      const present = Array.from(this.awareness.getStates().keys());
      this.everyoneFrame = encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, present));
    }
    connection.sendPresence(this.everyoneFrame);
  }

  /**
   * Whether a member's presence message says anything but echoes: stock y-websocket clients
   * send back every change they receive, and only their own news is charged to their rate
   * limit, so a busy room never rate-limits its members. Removals are news like any other.
   */
  hasNews(connection: Connection, entries: AwarenessEntry[]): boolean {
    return entries.some((entry) => this.reclaims(connection, entry) || !this.isEcho(connection, entry));
  }

  /**
   * Acts on a member's presence message: a state outside Tandem's schema closes the member
   * (4400) and nothing of the message is used; otherwise the entries it may write are applied
   * (and so relayed) and the rest dropped.
   */
  receive(connection: Connection, entries: AwarenessEntry[]): void {
    for (const { state } of entries) {
      const problem = state === null ? null : presenceStateProblem(state);
      if (!problem) continue;
      connection.refuse({
        code: CloseCode.MALFORMED_MESSAGE,
        reason: 'invalid_presence',
        message: 'presence state outside the schema; closing',
        fields: { problem },
      });
      return;
    }
    const accepted: AwarenessEntry[] = [];
    // Counted once per reason and message: a frame may hold a hundred thousand made-up ids.
    const dropped = new Map<RejectionReason, number>();
    for (const entry of entries) {
      let verdict = this.judge(connection, entry);
      if ((verdict === 'accept' || verdict === 'reclaim') && !this.fits(entry)) verdict = 'presence_too_large';
      if (verdict === 'accept') {
        this.claim(entry.clientId, connection);
        this.count(entry);
        accepted.push(entry);
      } else if (verdict === 'reclaim') {
        this.count(entry);
        accepted.push(this.reclaim(connection, entry));
      } else if (verdict !== 'echo' && verdict !== 'absent') {
        dropped.set(verdict, (dropped.get(verdict) ?? 0) + 1);
      }
    }
    for (const [reason, count] of dropped) {
      this.options.metrics.rejected.inc({ reason }, count);
      connection.log.debug({ reason, entries: count }, 'presence entries dropped');
    }
    if (accepted.length > 0) awarenessProtocol.applyAwarenessUpdate(this.awareness, encodeAwarenessEntries(accepted), connection);
  }

  /**
   * The editor whose presence holds `clientId` here, 'remote' when another instance's client
   * does, or null: an editor announces its doc's client id in presence before it first writes,
   * so no one else may take that id first (authorship.ts).
   */
  editorHolding(clientId: number): Connection | 'remote' | null {
    const owner = this.owners.get(clientId);
    if (owner === undefined) return null;
    if (owner instanceof RemoteInstance) return 'remote';
    return owner.role === 'edit' ? owner : null;
  }

  /**
   * Calls `listener` when a local editor takes a presence id, before that presence is relayed
   * (scale-out tells the other instances whose author the id is reserved for). Returns the
   * unsubscribe.
   */
  onEditorClaim(listener: (clientId: number, editor: Connection) => void): () => void {
    this.claimListeners.add(listener);
    return () => this.claimListeners.delete(listener);
  }

  /** Every presence id a local editor holds, with that editor (answers to PRESENCE_QUERY). */
  localEditorIds(): { clientId: number; editor: Connection }[] {
    const held: { clientId: number; editor: Connection }[] = [];
    for (const [clientId, owner] of this.owners) if (!(owner instanceof RemoteInstance) && owner.role === 'edit') held.push({ clientId, editor: owner });
    return held;
  }

  /** The name and colour `connection` shows in its presence, if it shows any. */
  userOf(connection: object): { name: string; color: string } | null {
    for (const id of this.idsByOwner.get(connection as Owner) ?? []) {
      const user = (this.awareness.states.get(id) as { user?: { name?: unknown; color?: unknown } } | undefined)?.user;
      if (typeof user?.name === 'string' && typeof user.color === 'string') return { name: user.name, color: user.color };
    }
    return null;
  }

  /** Removes the presence `connection` introduced, for everyone at once, and frees its ids. */
  leave(connection: Connection): void {
    this.dropOwner(connection);
  }

  /**
   * Applies presence another instance relayed: its clients' ids become its own, and entries for
   * ids someone else owns are dropped (two instances claimed one id at once).
   */
  applyRemote(instance: string, update: Uint8Array): void {
    let entries: AwarenessEntry[];
    try {
      entries = readAwarenessEntries(update);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.log.warn({ instance, err: error.message }, 'undecodable presence from another instance; dropped');
      return;
    }
    const origin = this.remote(instance);
    const accepted: AwarenessEntry[] = [];
    const gone: number[] = [];
    for (const entry of entries) {
      const owner = this.owners.get(entry.clientId);
      // An instance of an older version may relay what this one refuses.
      if (entry.state !== null && presenceStateProblem(entry.state)) {
        this.options.metrics.rejected.inc({ reason: 'invalid_presence' });
      } else if (owner !== undefined && owner !== origin) {
        if (!this.isEcho(origin, entry)) this.options.metrics.rejected.inc({ reason: 'foreign_presence' });
      } else if (entry.state === null) {
        // Its client left (or moved to another instance): the id is free again.
        if (owner === origin) {
          accepted.push(entry);
          gone.push(entry.clientId);
        }
      } else if ((this.awareness.meta.get(entry.clientId)?.clock ?? -1) >= entry.clock && !this.awareness.states.has(entry.clientId)) {
        // Not newer than a removal already applied here: the awareness ignores it, so nobody
        // may own it or have its bytes counted (a stale copy, e.g. of a peer dropped as silent).
      } else {
        // Counted, never refused: the instance that relayed it judged it against the same caps.
        this.claim(entry.clientId, origin);
        this.count(entry);
        accepted.push(entry);
      }
    }
    if (accepted.length > 0) awarenessProtocol.applyAwarenessUpdate(this.awareness, encodeAwarenessEntries(accepted), origin);
    for (const id of gone) this.release(id);
  }

  /** Removes the presence another instance relayed (it left the room or went silent). */
  dropInstance(instance: string): void {
    const origin = this.remotes.get(instance);
    if (origin) this.dropOwner(origin);
  }

  /**
   * Calls `listener` with every change this instance's members make, encoded as an awareness
   * update, to share with the other instances. Returns the unsubscribe function.
   */
  onLocalChange(listener: (update: Uint8Array) => void): () => void {
    this.localListeners.add(listener);
    return () => this.localListeners.delete(listener);
  }

  /**
   * The presence this instance's members hold, as one awareness update (null when they hold
   * none), for another instance that starts holding the room and missed what was shared before.
   */
  encodeLocal(): Uint8Array | null {
    const ids: number[] = [];
    for (const [id, owner] of this.owners) if (!(owner instanceof RemoteInstance) && this.awareness.states.has(id)) ids.push(id);
    return ids.length === 0 ? null : awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids);
  }

  /** Stops relaying and the awareness timer. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.localListeners.clear();
    this.claimListeners.clear();
    this.awareness.off('update', this.relay);
    this.awareness.destroy();
  }

  /**
   * Whether the room's presence stays within MAX_PRESENCE_BYTES_PER_ROOM with `entry`'s state in
   * place of what its id holds now. Removals always fit.
   */
  private fits(entry: AwarenessEntry): boolean {
    if (entry.state === null) return true;
    return this.totalBytes - (this.stateBytes.get(entry.clientId) ?? 0) + bytesOf(entry) <= this.options.maxBytesPerRoom;
  }

  /** Records the size of `entry`'s state, about to be applied (a removal is counted by `relay`). */
  private count(entry: AwarenessEntry): void {
    if (entry.state === null) return;
    this.totalBytes += bytesOf(entry) - (this.stateBytes.get(entry.clientId) ?? 0);
    this.stateBytes.set(entry.clientId, bytesOf(entry));
  }

  private judge(connection: Connection, entry: AwarenessEntry): Verdict {
    const { clientId, clock, state } = entry;
    const previous = this.awareness.meta.get(clientId)?.clock;
    // Clocks a client reaches by counting: one the server has none for starts at most at
    // MAX_PRESENCE_CLOCK; after that, each is at most a step ahead (an owner never strands).
    const plausible = previous === undefined ? clock <= MAX_PRESENCE_CLOCK : clock - previous <= MAX_PRESENCE_CLOCK_STEP;
    if (this.reclaims(connection, entry)) return plausible ? 'reclaim' : 'implausible_clock';
    if (this.isEcho(connection, entry)) return 'echo';
    const owner = this.owners.get(clientId);
    // The server's own id is nobody's: a state there would become the server's local state.
    if ((owner !== undefined && owner !== connection) || clientId === this.awareness.clientID) return 'foreign_presence';
    if (owner === undefined && !editsDocument(connection.role) && this.editorsId(clientId)) return 'foreign_presence';
    if (!plausible) return 'implausible_clock';
    if (owner === undefined) {
      // A removal never introduces an id: there is nothing of it to remove.
      if (state === null) return 'absent';
      if ((this.idsByOwner.get(connection)?.size ?? 0) >= this.options.maxIdsPerConnection) return 'presence_ids';
    }
    return 'accept';
  }

  /** Whether a local reader (a view or comment connection) held an id last. */
  private isReadersId(holder: HolderRole | undefined): boolean {
    return holder !== undefined && holder !== 'remote' && !editsDocument(holder);
  }

  /** Whether an editor held `clientId` last, or wrote to the document with it: no viewer's to take. */
  private editorsId(clientId: number): boolean {
    return this.released.get(clientId) === 'edit' || Y.getState(this.options.doc.store, clientId) > 0;
  }

  /**
   * Whether `connection`, an editor coming back (it holds no id yet, as a stock client's first
   * state), takes `entry`'s id from the viewer that holds it, or from the one that held it last
   * at a clock the editor never reached (a viewer may claim an id the server has forgotten, as
   * after a restart, and push its clock). Any clock: a viewer's is no reason to refuse an
   * editor. An exact echo of what is held (a new member's echo of its greeting) takes nothing,
   * and a connection with presence of its own is echoing, not coming back.
   */
  private reclaims(connection: Connection, { clientId, clock, state }: AwarenessEntry): boolean {
    if (connection.role !== 'edit' || state === null || this.idsByOwner.has(connection)) return false;
    const held = this.awareness.meta.get(clientId)?.clock ?? 0;
    const owner = this.owners.get(clientId);
    if (owner === undefined) return this.isReadersId(this.released.get(clientId)) && clock < held;
    if (owner instanceof RemoteInstance || editsDocument(owner.role)) return false;
    return !(clock === held && equalityDeep(state, this.awareness.states.get(clientId)));
  }

  /**
   * Gives `entry`'s id to `editor`, dropping the viewer's claim (counted against the viewer),
   * and returns the entry to apply: the editor's state at a clock above the held one, so that
   * stock clients (which keep the higher clock) take it, the editor's own included, even if it
   * adopted the viewer's state when greeted with it and counted on from there.
   */
  private reclaim(editor: Connection, { clientId, clock, state }: AwarenessEntry): AwarenessEntry {
    const viewer = this.owners.get(clientId);
    if (viewer !== undefined && !(viewer instanceof RemoteInstance)) {
      this.options.metrics.rejected.inc({ reason: 'foreign_presence' });
      viewer.log.info({ clientId }, 'presence id taken back by an editor');
    }
    this.claim(clientId, editor);
    const held = this.awareness.meta.get(clientId)?.clock ?? 0;
    return { clientId, clock: clock > held ? clock : held + MAX_PRESENCE_CLOCK_STEP, state };
  }

  /**
   * Whether an entry is no newer than what the server holds for its id. The one exception is
   * the owner's goodbye: y-websocket removes its own state at its current clock.
   */
  private isEcho(sender: Owner, { clientId, clock, state }: AwarenessEntry): boolean {
    // y-protocols takes an id it never saw for clock 0: an entry at 0 changes nothing.
    const held = this.awareness.meta.get(clientId)?.clock ?? 0;
    if (clock > held) return false;
    const goodbye = clock === held && state === null && this.owners.get(clientId) === sender && this.awareness.states.has(clientId);
    return !goodbye;
  }

  private remote(instance: string): RemoteInstance {
    let origin = this.remotes.get(instance);
    if (!origin) this.remotes.set(instance, (origin = new RemoteInstance(instance)));
    return origin;
  }

  /** Makes `clientId` `owner`'s (taking it from whoever held it). */
  private claim(clientId: number, owner: Owner): void {
    if (this.owners.get(clientId) === owner) return;
    this.disown(clientId);
    this.owners.set(clientId, owner);
    let ids = this.idsByOwner.get(owner);
    if (!ids) this.idsByOwner.set(owner, (ids = new Set()));
    ids.add(clientId);
    this.released.delete(clientId);
    if (!(owner instanceof RemoteInstance) && owner.role === 'edit') for (const listener of this.claimListeners) listener(clientId, owner);
  }

  /** Takes `clientId` from its owner; returns who that was. */
  private disown(clientId: number): Owner | undefined {
    const owner = this.owners.get(clientId);
    if (owner === undefined) return undefined;
    this.owners.delete(clientId);
    const ids = this.idsByOwner.get(owner);
    ids?.delete(clientId);
    if (ids?.size === 0) this.idsByOwner.delete(owner);
    return owner;
  }

  private release(clientId: number): void {
    const owner = this.disown(clientId);
    if (owner === undefined) return;
    this.released.set(clientId, owner instanceof RemoteInstance ? 'remote' : owner.role);
    if (this.released.size <= REMEMBERED_RELEASED_IDS) return;
    const [oldest] = this.released.keys();
    this.released.delete(oldest);
    if (!this.awareness.states.has(oldest)) this.awareness.meta.delete(oldest);
  }

  /** Frees every id `owner` holds and removes their presence for everyone. */
  private dropOwner(owner: Owner): void {
    const ids = Array.from(this.idsByOwner.get(owner) ?? []);
    if (ids.length === 0) return;
    for (const id of ids) this.release(id);
    awarenessProtocol.removeAwarenessStates(this.awareness, ids, owner);
  }

  /** Relays every change to the members; shares those this instance's members made with the others. */
  private readonly relay = ({ added, updated, removed }: AwarenessChanges, origin: unknown): void => {
    this.everyoneFrame = null;
    for (const id of removed) {
      this.totalBytes -= this.stateBytes.get(id) ?? 0;
      this.stateBytes.delete(id);
    }
    if (origin === 'timeout') {
      // Another instance's client that went quiet here may have moved: its id is free again.
      for (const id of removed) if (this.owners.get(id) instanceof RemoteInstance) this.release(id);
    }
    const changed = added.concat(updated, removed);
    if (changed.length === 0) return;
    const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed);
    const frame = encodeAwareness(update);
    let sent = 0;
    for (const member of this.options.members()) {
      member.sendPresence(frame);
      sent++;
    }
    this.options.metrics.awarenessSent.inc(sent);
    // Every instance times stale presence out on its own; other instances' changes are theirs.
    if (origin === 'timeout' || origin instanceof RemoteInstance) return;
    for (const listener of this.localListeners) listener(update);
  };
}

/** JSON bytes of an entry's state: as received, or as it would be sent. */
const bytesOf = (entry: AwarenessEntry): number => entry.bytes ?? Buffer.byteLength(JSON.stringify(entry.state));
