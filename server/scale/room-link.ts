/**
 * One loaded room's link to the other server instances that hold it: applies their stored
 * changes and presence, shares local presence, and heals. Healing: each instance offers its
 * state vector (and a digest of its delete set, since deletions do not show in a state
 * vector) every few seconds; whoever holds something the offerer lacks answers with exactly
 * that, addressed to it. So instances converge even when pub/sub dropped messages.
 */
import { createHash } from 'node:crypto';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import type { Room } from '../room';
import { decodeStateOffer, encodeStateOffer, ScaleMessageType, type ScaleMessage, type ScaleMessageTypeValue, type StateOffer } from './messages';

/** Origin of presence applied from another instance: tells it apart from local changes. */
class RemotePresence {
  constructor(readonly instance: string) {}
}

/** How long to wait for a local batch to be stored before answering an offer with the doc. */
const STORED_POLL_MS = 5;
const STORED_POLL_ATTEMPTS = 400;

export interface RoomLinkOptions {
  room: Room;
  instanceId: string;
  /** Publishes a message on this room's channel (best effort: healing covers losses). */
  publish: (type: ScaleMessageTypeValue, payload: Uint8Array, target?: string) => void;
  /** Reads what storage holds for the room: catches up on what a dead instance stored. */
  loadStored: () => Promise<Uint8Array[]>;
  metrics: Metrics;
  logger: Logger;
}

export class RoomLink {
  readonly room: Room;
  private readonly options: RoomLinkOptions;
  private readonly log: Logger;
  /** Awareness client ids each other instance relayed, to drop when it leaves or goes silent. */
  private readonly presenceByInstance = new Map<string, Set<number>>();
  private readonly origins = new Map<string, RemotePresence>();
  private readonly lastHeardMs = new Map<string, number>();
  /** This doc's offer, encoded once per doc version. */
  private offer: StateOffer | null = null;
  private disposed = false;

  constructor(options: RoomLinkOptions) {
    this.options = options;
    this.room = options.room;
    this.log = options.logger.child({ room: options.room.name });
    this.room.awareness.on('update', this.relayPresence);
    this.room.doc.on('update', this.forgetOffer);
  }

  /** Acts on one message from another instance on this room's channel. */
  handle(message: ScaleMessage): void {
    if (this.disposed) return;
    this.lastHeardMs.set(message.sender, Date.now());
    switch (message.type) {
      case ScaleMessageType.UPDATE:
        this.room.applyRemoteUpdate(message.payload);
        return;
      case ScaleMessageType.AWARENESS:
        awarenessProtocol.applyAwarenessUpdate(this.room.awareness, message.payload, this.originFor(message.sender));
        return;
      case ScaleMessageType.STATE:
        this.answerOffer(message.sender, decodeStateOffer(message.payload), 0);
        return;
      case ScaleMessageType.HEAL:
        if (message.target !== this.options.instanceId) return;
        this.options.metrics.heals.inc({ direction: 'applied' });
        this.room.applyRemoteUpdate(message.payload);
        return;
      case ScaleMessageType.LEFT:
        this.dropPresenceOf(message.sender);
        this.lastHeardMs.delete(message.sender);
        return;
    }
  }

  /** Publishes this doc's state vector so peers send what it lacks. */
  offerState(): void {
    if (this.disposed) return;
    this.options.publish(ScaleMessageType.STATE, encodeStateOffer(this.currentOffer()));
  }

  /**
   * Handles instances not heard from for `maxSilenceMs` (killed, or cut off from Redis): drops
   * the presence they relayed (their clients reappear when they renew it through a live
   * instance) and reads the room from storage, which holds whatever such an instance stored
   * but never got to publish.
   */
  dropSilentPeers(maxSilenceMs: number): void {
    const now = Date.now();
    for (const [instance, heardMs] of this.lastHeardMs) {
      if (now - heardMs <= maxSilenceMs) continue;
      this.lastHeardMs.delete(instance);
      this.log.info({ instance }, 'instance silent; dropping its presence and reading what it stored');
      this.dropPresenceOf(instance);
      void this.catchUpFromStorage();
    }
  }

  /** Stops relaying and tells the peers this instance no longer holds the room. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.room.awareness.off('update', this.relayPresence);
    this.room.doc.off('update', this.forgetOffer);
    this.options.publish(ScaleMessageType.LEFT, new Uint8Array());
  }

  /** Applies what storage holds (only what this doc lacks changes anything). */
  private async catchUpFromStorage(): Promise<void> {
    try {
      const updates = await this.options.loadStored();
      if (this.disposed || updates.length === 0) return;
      this.room.applyRemoteUpdate(updates.length === 1 ? updates[0] : Y.mergeUpdates(updates));
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'catching up from storage failed; healing continues');
    }
  }

  /**
   * Answers a peer's offer with what it lacks. Only stored changes may leave this instance,
   * so while a local batch is being appended the answer waits for it.
   */
  private answerOffer(sender: string, offer: StateOffer, attempt: number): void {
    if (this.disposed) return;
    if (this.room.hasUnstoredChanges) {
      if (attempt < STORED_POLL_ATTEMPTS) setTimeout(() => this.answerOffer(sender, offer, attempt + 1), STORED_POLL_MS);
      return;
    }
    const mine = this.currentOffer();
    if (!this.hasMoreThan(offer) && Buffer.compare(mine.deleteSetDigest, offer.deleteSetDigest) === 0) return;
    this.options.metrics.heals.inc({ direction: 'sent' });
    this.options.publish(ScaleMessageType.HEAL, Y.encodeStateAsUpdate(this.room.doc, offer.stateVector), sender);
  }

  /** Whether this doc holds structs the offer's state vector does not. */
  private hasMoreThan(offer: StateOffer): boolean {
    const theirs = Y.decodeStateVector(offer.stateVector);
    for (const [client, clock] of Y.decodeStateVector(this.currentOffer().stateVector)) {
      if (clock > (theirs.get(client) ?? 0)) return true;
    }
    return false;
  }

  private currentOffer(): StateOffer {
    if (!this.offer) {
      const stateVector = Y.encodeStateVector(this.room.doc);
      // An update against our own state vector holds no structs: just the delete set.
      const deleteSet = Y.encodeStateAsUpdate(this.room.doc, stateVector);
      this.offer = { stateVector, deleteSetDigest: createHash('sha1').update(deleteSet).digest() };
    }
    return this.offer;
  }

  private readonly forgetOffer = (): void => {
    this.offer = null;
  };

  private originFor(instance: string): RemotePresence {
    let origin = this.origins.get(instance);
    if (!origin) this.origins.set(instance, (origin = new RemotePresence(instance)));
    return origin;
  }

  private dropPresenceOf(instance: string): void {
    const ids = this.presenceByInstance.get(instance);
    this.presenceByInstance.delete(instance);
    if (ids && ids.size > 0) awarenessProtocol.removeAwarenessStates(this.room.awareness, Array.from(ids), this.originFor(instance));
  }

  /** Shares local presence changes; books remote ones under the instance that relayed them. */
  private readonly relayPresence = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    if (origin instanceof RemotePresence) {
      let ids = this.presenceByInstance.get(origin.instance);
      if (!ids) this.presenceByInstance.set(origin.instance, (ids = new Set()));
      for (const id of added.concat(updated)) ids.add(id);
      for (const id of removed) ids.delete(id);
      return;
    }
    if (origin === 'timeout') {
      // Every instance times out stale presence on its own; nothing to tell the others.
      for (const ids of this.presenceByInstance.values()) for (const id of removed) ids.delete(id);
      return;
    }
    const changed = added.concat(updated, removed);
    if (changed.length === 0) return;
    this.options.publish(ScaleMessageType.AWARENESS, awarenessProtocol.encodeAwarenessUpdate(this.room.awareness, changed));
  };
}
