/**
 * One loaded room's link to the other server instances that hold it: applies their stored
 * changes and presence, shares local presence, and heals. Healing: each instance offers its
 * state vector (and a digest of its delete set, since deletions do not show in a state
 * vector) every few seconds; whoever holds something the offerer lacks answers with exactly
 * that, addressed to it. So instances converge even when pub/sub dropped messages.
 */
import { createHash } from 'node:crypto';
import * as Y from 'yjs';
import { roomLogId, type Logger } from '../log';
import type { Metrics } from '../metrics';
import type { Room } from '../room';
import { decodeStateOffer, encodeStateOffer, ScaleMessageType, type ScaleMessage, type ScaleMessageTypeValue, type StateOffer } from './messages';

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
  /** Stops sharing local presence (RoomPresence books whose ids other instances relayed). */
  private readonly stopSharingPresence: () => void;
  private readonly lastHeardMs = new Map<string, number>();
  /** This doc's offer, encoded once per doc version. */
  private offer: StateOffer | null = null;
  private disposed = false;

  constructor(options: RoomLinkOptions) {
    this.options = options;
    this.room = options.room;
    this.log = options.logger.child({ room: roomLogId(options.room.name) });
    this.stopSharingPresence = this.room.presence.onLocalChange((update) =>
      this.options.publish(ScaleMessageType.AWARENESS, update),
    );
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
        this.room.presence.applyRemote(message.sender, message.payload);
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
        this.room.presence.dropInstance(message.sender);
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
      this.room.presence.dropInstance(instance);
      void this.catchUpFromStorage();
    }
  }

  /** Stops relaying and tells the peers this instance no longer holds the room. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.stopSharingPresence();
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
}
