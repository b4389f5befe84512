/**
 * One loaded room's link to the other server instances that hold it: publishes what the
 * room's own clients changed once it is stored (the room's stored event, so nobody anywhere
 * sees an update that is not stored), shares local presence, applies the others' changes and
 * presence, and heals. Healing: each instance offers its state vector (and a digest of its
 * delete set, since deletions do not show in a state vector) every few seconds; whoever holds
 * something the offerer lacks answers with exactly that, addressed to it. So instances
 * converge even when pub/sub dropped messages. An instance that starts holding the room asks
 * for the others' presence, and each answers with its clients' presence. Not so after an
 * outage: presence dropped for a silent peer comes back only at a higher clock, which only its
 * client makes (when it renews); a copy at the clock already seen changes nothing.
 */
import { createHash } from 'node:crypto';
import * as Y from 'yjs';
import { roomLogId, type Logger } from '../log';
import type { Metrics } from '../metrics';
import type { Room } from '../room';
import type { StoredDocument } from '../storage';
import { decodeBindings, decodeStateOffer, encodeBindings, encodeStateOffer, ScaleMessageType, type ScaleMessage, type ScaleMessageTypeValue, type StateOffer } from './messages';

export interface RoomLinkOptions {
  room: Room;
  instanceId: string;
  /** Publishes a message on this room's channel (best effort: healing covers losses). */
  publish: (type: ScaleMessageTypeValue, payload: Uint8Array, target?: string) => void;
  /** Reads what storage holds for the room: catches up on what a dead instance stored. */
  loadStored: () => Promise<Pick<StoredDocument, 'updates' | 'bindings'>>;
  metrics: Metrics;
  logger: Logger;
}

export class RoomLink {
  readonly room: Room;
  private readonly options: RoomLinkOptions;
  private readonly log: Logger;
  /** Stops sharing local presence (RoomPresence books whose ids other instances relayed). */
  private readonly stopSharingPresence: () => void;
  /** Stops publishing the room's stored changes. */
  private readonly stopPublishingStored: () => void;
  /** Stops telling the other instances which presence ids local editors hold. */
  private readonly stopReserving: () => void;
  /** Stops publishing the room's stored comment changes. */
  private readonly stopPublishingComments: () => void;
  private readonly lastHeardMs = new Map<string, number>();
  /** Each peer's newest offer not answered yet: answers wait until the room's changes are stored. */
  private readonly unansweredOffers = new Map<string, StateOffer>();
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
    this.stopReserving = this.room.presence.onEditorClaim((clientId, editor) =>
      this.options.publish(ScaleMessageType.RESERVED, encodeBindings([{ clientId, authorId: editor.author.id }])),
    );
    this.stopPublishingStored = this.room.onStored((change, bindings) => {
      if (bindings.length > 0) this.options.publish(ScaleMessageType.BINDINGS, encodeBindings(bindings));
      this.options.publish(ScaleMessageType.UPDATE, change);
    });
    this.stopPublishingComments = this.room.comments.onStored((update) => this.options.publish(ScaleMessageType.COMMENTS, update));
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
      case ScaleMessageType.BINDINGS:
        this.room.learnBindings(decodeBindings(message.payload));
        return;
      case ScaleMessageType.RESERVED:
        if (message.target !== '' && message.target !== this.options.instanceId) return;
        this.room.authorship.reserveForRemote(decodeBindings(message.payload));
        return;
      case ScaleMessageType.AWARENESS:
        // An answer to another instance's PRESENCE_QUERY: that one lacks it, this one does not.
        if (message.target !== '' && message.target !== this.options.instanceId) return;
        this.room.presence.applyRemote(message.sender, message.payload);
        return;
      case ScaleMessageType.PRESENCE_QUERY:
        this.answerPresenceQuery(message.sender);
        return;
      case ScaleMessageType.STATE:
        this.receiveOffer(message.sender, decodeStateOffer(message.payload));
        return;
      case ScaleMessageType.HEAL:
        if (message.target !== this.options.instanceId) return;
        this.options.metrics.heals.inc({ direction: 'applied' });
        this.room.applyRemoteUpdate(message.payload);
        return;
      case ScaleMessageType.COMMENTS:
        this.room.comments.applyRemote(message.payload);
        return;
      case ScaleMessageType.LEFT:
        this.room.presence.dropInstance(message.sender);
        this.lastHeardMs.delete(message.sender);
        return;
    }
  }

  /** Asks the peers for everything this instance lacks: once subscribed to a room it starts holding. */
  askPeers(): void {
    this.offerState();
    this.askForPresence();
  }

  /** Publishes this doc's state vector so peers send what it lacks. */
  offerState(): void {
    if (this.disposed) return;
    this.options.publish(ScaleMessageType.STATE, encodeStateOffer(this.currentOffer()));
  }

  /** Asks every peer for its clients' presence (what it shared before this room was loaded here). */
  private askForPresence(): void {
    if (this.disposed) return;
    this.options.publish(ScaleMessageType.PRESENCE_QUERY, new Uint8Array());
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
    this.stopReserving();
    this.stopPublishingStored();
    this.stopPublishingComments();
    this.unansweredOffers.clear();
    this.room.doc.off('update', this.forgetOffer);
    this.options.publish(ScaleMessageType.LEFT, new Uint8Array());
  }

  /** Applies what storage holds (only what this doc lacks changes anything). */
  private async catchUpFromStorage(): Promise<void> {
    this.room.comments.catchUp();
    try {
      const { updates, bindings } = await this.options.loadStored();
      if (this.disposed) return;
      // Bindings missed while Redis was away (a BINDINGS message lost with it).
      this.room.learnBindings(bindings);
      if (updates.length === 0) return;
      this.room.applyRemoteUpdate(updates.length === 1 ? updates[0] : Y.mergeUpdates(updates));
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'catching up from storage failed; healing continues');
    }
  }

  /** Sends a peer that asked the presence of this instance's clients, if they have any. */
  private answerPresenceQuery(sender: string): void {
    const reserved = this.room.presence.localEditorIds().map(({ clientId, editor }) => ({ clientId, authorId: editor.author.id }));
    if (reserved.length > 0) this.options.publish(ScaleMessageType.RESERVED, encodeBindings(reserved), sender);
    const presence = this.room.presence.encodeLocal();
    if (presence) this.options.publish(ScaleMessageType.AWARENESS, presence, sender);
  }

  /**
   * Answers a peer's offer with what it lacks. Only stored changes may leave this instance, so
   * the answer waits until what the room received so far is stored; a newer offer from the
   * same peer meanwhile replaces the one waiting.
   */
  private receiveOffer(sender: string, offer: StateOffer): void {
    const waiting = this.unansweredOffers.has(sender);
    this.unansweredOffers.set(sender, offer);
    if (waiting) return;
    this.room.whenStored().then(
      () => {
        const newest = this.unansweredOffers.get(sender);
        this.unansweredOffers.delete(sender);
        if (newest && !this.disposed) this.answerOffer(sender, newest);
      },
      (error: Error) => {
        this.unansweredOffers.delete(sender);
        this.log.warn({ instance: sender, err: error.message }, 'waiting for stored changes failed; the next offer is answered');
      },
    );
  }

  /** Publishes, addressed to the peer, what its offer shows it lacks (nothing if it lacks nothing). */
  private answerOffer(sender: string, offer: StateOffer): void {
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
