/**
 * What a room sends about its document: stored changes to its members (each encoded once) and
 * sync step 2 answers, cached per doc version so a join storm encodes the document once.
 * Presence has its own relay (presence.ts).
 */
import * as Y from 'yjs';
import type { Connection } from '../connection';
import type { Metrics } from '../metrics';
import { encodeSyncStep2, encodeSyncUpdate } from '../protocol';
import type { QueuedUpdate, WriteOrigin } from './durable-writer';

/** Nobody to leave out: everyone gets the frame. */
export const NOBODY: ReadonlySet<WriteOrigin> = new Set();

/**
 * Sync answers kept per doc version beside the whole-document one, keyed by the normalised
 * state vector: members catching up from the same point share one encode.
 */
const SYNC_ANSWER_CACHE_SIZE = 16;

export interface BroadcastOptions {
  doc: Y.Doc;
  metrics: Metrics;
  /** The room's members, in join order. */
  members: () => Iterable<Connection>;
}

export class Broadcast {
  private readonly options: BroadcastOptions;
  /** The sync step 2 answering an empty state vector: encoded once per doc version, shared. */
  private wholeDocFrame: Uint8Array | null = null;
  /** Other sync step 2 answers of this doc version, by normalised state vector (oldest first). */
  private readonly syncAnswers = new Map<string, Uint8Array>();

  constructor(options: BroadcastOptions) {
    this.options = options;
    options.doc.on('update', this.forgetAnswers);
  }

  /** Sends `update` to every member not in `except`. */
  forward(update: Uint8Array, except: ReadonlySet<WriteOrigin> = NOBODY): void {
    const frame = encodeSyncUpdate(update);
    let sent = 0;
    for (const member of this.options.members()) {
      if (except.has(member)) continue;
      member.send(frame);
      sent++;
    }
    this.options.metrics.updatesSent.inc(sent);
  }

  /**
   * Forwards a stored batch. Everyone who sent nothing in it gets the batch's change as one
   * frame; a sender gets the other senders' updates, never its own back.
   */
  forwardBatch(change: Uint8Array, items: readonly QueuedUpdate[]): void {
    // A sender's raw bytes may be relayed only if the doc took all of them: otherwise everyone
    // gets the batch's change (senders ignore the part they hold).
    if (items.some((item) => item.outcome === 'partial')) {
      this.forward(change);
      return;
    }
    const senders = new Set<WriteOrigin>();
    for (const item of items) if (item.outcome === 'applied') senders.add(item.origin);
    this.forward(change, senders);
    if (senders.size < 2) return;
    for (const item of items) {
      if (!item.update || item.outcome !== 'applied') continue;
      const frame = encodeSyncUpdate(item.update);
      for (const sender of senders) if (sender !== item.origin) sender.send(frame);
      this.options.metrics.updatesSent.inc(senders.size - 1);
    }
  }

  /**
   * Answers a sync step 1 with only what the client lacks. The state vector is first normalised
   * against the doc: clients the doc does not know are dropped and clocks clamped to the doc's
   * own, which changes nothing Yjs would encode (it skips both; the doc holds no pending structs)
   * but makes a vector naming made-up clients (security review H6: 7 bytes in, a whole-document
   * encode out) the empty one. Joiners that hold nothing all get one shared whole-document
   * frame; other answers are cached for the doc version too.
   */
  syncStep2For(stateVector: Uint8Array): Uint8Array {
    const { doc } = this.options;
    const known = new Map<number, number>();
    for (const [client, clock] of Y.decodeStateVector(stateVector)) {
      const held = Y.getState(doc.store, client);
      if (held > 0 && clock > 0) known.set(client, Math.min(clock, held));
    }
    if (known.size === 0) {
      this.wholeDocFrame ??= encodeSyncStep2(Y.encodeStateAsUpdate(doc));
      return this.wholeDocFrame;
    }
    const normalised = Y.encodeStateVector(known);
    const key = Buffer.from(normalised).toString('latin1');
    let answer = this.syncAnswers.get(key);
    if (!answer) {
      answer = encodeSyncStep2(Y.encodeStateAsUpdate(doc, normalised));
      if (this.syncAnswers.size >= SYNC_ANSWER_CACHE_SIZE) this.syncAnswers.delete(this.syncAnswers.keys().next().value!);
      this.syncAnswers.set(key, answer);
    }
    return answer;
  }

  destroy(): void {
    this.options.doc.off('update', this.forgetAnswers);
  }

  private readonly forgetAnswers = (): void => {
    this.wholeDocFrame = null;
    this.syncAnswers.clear();
  };
}
