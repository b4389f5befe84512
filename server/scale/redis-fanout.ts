/**
 * Fan-out between server instances through Redis pub/sub (REDIS_URL): one publisher and one
 * subscriber connection per process, one channel per loaded room. An instance publishes what
 * its own clients sent once it is stored, and their presence; it applies and forwards what
 * the others publish without storing it again. Messages carry the sender's instance id, so an
 * instance never re-applies its own. Pub/sub may drop messages (a reconnect, a slow
 * subscriber), so every room heals on a timer and at once after a (re)connect (room-link.ts).
 * A Redis outage never stops local clients: publishing is best effort, healing catches up.
 * Every command has a timeout, and a connection whose PINGs go unanswered is dropped and
 * reopened: a Redis that stops answering without closing the socket (a partition behind
 * something that still ACKs) would otherwise hold both connections, silently, for ever.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { roomLogId, type Logger } from '../log';
import { LogMessage } from '../log-messages';
import type { Metrics } from '../metrics';
import type { Room } from '../room';
import type { ScaleOut } from '../scale-out';
import type { DocumentLog } from '../storage';
import { CONTROL_CHANNEL, decodeScaleMessage, encodeScaleMessage, SCALE_MESSAGE_KINDS, ScaleMessageType, type ScaleMessage, type ScaleMessageTypeValue } from './messages';
import { RoomLink } from './room-link';

export interface RedisFanoutOptions {
  redisUrl: string;
  /** Null picks a random id for this process. */
  instanceId: string | null;
  /** Interval between state-vector offers per loaded room. */
  healIntervalMs: number;
  /** Longest a command may take (REDIS_TIMEOUT_MS); also the watchdog's PING interval. */
  timeoutMs?: number;
  /** What rooms are stored in: a link reads it to catch up on what a dead instance stored. */
  storage: Pick<DocumentLog, 'load'>;
  /** Closes this instance's viewers of a view link another instance rotated. */
  onViewLinkRevoked: (viewId: string) => void;
  /** Closes this instance's commenters of a comment link another instance rotated. */
  onCommentLinkRevoked: (commentId: string) => void;
  /** A room was deleted (announced by the admin command): drops it here if storage agrees. */
  onRoomDeleted: (room: string) => void;
  logger: Logger;
  metrics: Metrics;
}

const CHANNEL_PREFIX = 'tandem:room:';
/** Longest wait for Redis at start before serving anyway (readiness reports it meanwhile). */
const STARTUP_WAIT_MS = 5_000;
/** Default of `timeoutMs`, as DEFAULT_CONFIG.redisTimeoutMs. */
const DEFAULT_TIMEOUT_MS = 2_000;
/** Unanswered watchdog PINGs in a row after which a connection is dropped and reopened. */
const MISSED_PINGS_BEFORE_RECYCLE = 2;
/** TCP keepalive probes start after this much silence (finds peers gone without a FIN). */
const KEEPALIVE_DELAY_MS = 10_000;
/** Peers silent for this many heal intervals are taken for dead: their presence is dropped. */
const SILENT_INTERVALS = 3;

export class RedisFanout implements ScaleOut {
  readonly instanceId: string;
  private readonly options: RedisFanoutOptions;
  private readonly log: Logger;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly links = new Map<string, RoomLink>();
  private readonly healTimer: NodeJS.Timeout;
  private readonly watchdogTimer: NodeJS.Timeout;
  private readonly timeoutMs: number;
  /** Watchdog PINGs in a row each connection left unanswered. */
  private readonly missedPings = { publisher: 0, subscriber: 0 };
  private readonly pinging = { publisher: false, subscriber: false };
  /** Redis was unreachable and we said so; log the recovery once. */
  private outage = false;
  private closed = false;

  /** Connects both connections (waiting a little for Redis) and starts healing. */
  static async connect(options: RedisFanoutOptions): Promise<RedisFanout> {
    const fanout = new RedisFanout(options);
    await fanout.waitUntilReady(STARTUP_WAIT_MS);
    return fanout;
  }

  private constructor(options: RedisFanoutOptions) {
    this.options = options;
    this.instanceId = options.instanceId ?? randomUUID().slice(0, 12);
    this.log = options.logger.child({ instance: this.instanceId });
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // A connection that does not become ready in time (its handshake unanswered) is retried.
    const timeouts = { commandTimeout: this.timeoutMs, connectTimeout: this.timeoutMs, keepAlive: KEEPALIVE_DELAY_MS };
    // Publishing is best effort: when Redis is away a publish fails at once rather than
    // queueing without bound; healing sends what was missed once it is back.
    this.publisher = new Redis(options.redisUrl, {
      ...timeouts,
      connectionName: `tandem:${this.instanceId}:pub`,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    });
    this.subscriber = new Redis(options.redisUrl, {
      ...timeouts,
      connectionName: `tandem:${this.instanceId}:sub`,
      maxRetriesPerRequest: null,
    });
    for (const [role, connection] of [['publisher', this.publisher], ['subscriber', this.subscriber]] as const) {
      connection.on('error', (error: Error) => this.noteOutage(role, error));
      connection.on('ready', () => this.onReady(role));
    }
    this.subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => this.receive(channel, message));
    this.subscriber.subscribe(CONTROL_CHANNEL).catch((error: Error) => {
      this.log.warn({ err: error.message }, 'control channel subscribe failed; retried on reconnect');
    });
    this.healTimer = setInterval(() => this.healAll(), options.healIntervalMs);
    this.healTimer.unref();
    this.watchdogTimer = setInterval(() => {
      this.watch('publisher', this.publisher);
      this.watch('subscriber', this.subscriber);
    }, this.timeoutMs);
    this.watchdogTimer.unref();
  }

  /** Starts relaying a loaded room and asks the peers at once for what it lacks. */
  attach(room: Room): void {
    if (this.closed) return;
    this.links.get(room.name)?.dispose();
    const link = new RoomLink({
      room,
      instanceId: this.instanceId,
      publish: (type, payload, target) => this.publish(room.name, type, payload, target),
      loadStored: () => this.options.storage.load(room.name),
      metrics: this.options.metrics,
      logger: this.options.logger,
    });
    this.links.set(room.name, link);
    // Ask only once subscribed, or the answers would arrive before we listen.
    this.subscriber.subscribe(CHANNEL_PREFIX + room.name).then(
      () => link.askPeers(),
      (error: Error) => this.log.warn({ room: roomLogId(room.name), err: error.message }, 'subscribe failed; retried on reconnect'),
    );
  }

  /** Stops relaying a room that is being freed; peers drop the presence it relayed. */
  detach(room: Room): void {
    const link = this.links.get(room.name);
    if (!link || link.room !== room) return;
    link.dispose();
    this.links.delete(room.name);
    this.subscriber.unsubscribe(CHANNEL_PREFIX + room.name).catch((error: Error) => {
      this.log.debug({ room: roomLogId(room.name), err: error.message }, 'unsubscribe failed (the connection is down)');
    });
  }

  /**
   * Tells the other instances a view link was rotated, so they close its viewers too (4410).
   * Best effort: if Redis is away, those viewers stay until they reconnect, which the old id
   * no longer allows.
   */
  revokeViewLink(viewId: string): void {
    this.publishOn(CONTROL_CHANNEL, ScaleMessageType.VIEW_LINK_REVOKED, new TextEncoder().encode(viewId));
  }

  /** As revokeViewLink, for a comment link's commenters. */
  revokeCommentLink(commentId: string): void {
    this.publishOn(CONTROL_CHANNEL, ScaleMessageType.COMMENT_LINK_REVOKED, new TextEncoder().encode(commentId));
  }

  /** Resolves when both connections are up and Redis answers; rejects with the reason. */
  async ping(): Promise<void> {
    for (const [role, connection] of [['publisher', this.publisher], ['subscriber', this.subscriber]] as const) {
      if (connection.status !== 'ready') throw new Error(`redis ${role} connection is ${connection.status}`);
    }
    try {
      await this.publisher.ping();
    } catch (error) {
      throw new Error(`redis did not answer PING: ${(error as Error).message}`);
    }
  }

  /** Says LEFT for every room still linked, then closes both connections. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.healTimer);
    clearInterval(this.watchdogTimer);
    for (const link of this.links.values()) link.dispose();
    this.links.clear();
    // QUIT waits for the replies to what was sent (the LEFT messages); if Redis is away,
    // there is nothing to wait for.
    await this.publisher.quit().catch(() => this.publisher.disconnect());
    this.subscriber.disconnect();
  }

  private publish(room: string, type: ScaleMessageTypeValue, payload: Uint8Array, target = ''): void {
    this.publishOn(CHANNEL_PREFIX + room, type, payload, target);
  }

  private publishOn(channel: string, type: ScaleMessageTypeValue, payload: Uint8Array, target = ''): void {
    if (this.publisher.status !== 'ready') return;
    const frame = encodeScaleMessage({ type, sender: this.instanceId, target, payload });
    this.publisher.publish(channel, frame).then(
      () => this.options.metrics.relayed.inc({ direction: 'published', kind: SCALE_MESSAGE_KINDS[type] }),
      (error: Error) => this.log.debug({ channel: roomLogId(channel), err: error.message }, 'publish failed; healing will resend'),
    );
  }

  private receive(channel: Buffer, bytes: Buffer): void {
    const name = channel.toString();
    if (name === CONTROL_CHANNEL) return this.receiveControl(bytes);
    const room = name.slice(CHANNEL_PREFIX.length);
    const link = this.links.get(room);
    if (!link) return;
    const message = this.decodeFromPeer(bytes, room);
    if (!message) return;
    try {
      link.handle(message);
    } catch (error) {
      this.log.error({ room: roomLogId(room), kind: SCALE_MESSAGE_KINDS[message.type], err: (error as Error).message }, 'scale message failed');
    }
  }

  private receiveControl(bytes: Buffer): void {
    const message = this.decodeFromPeer(bytes, null);
    if (message?.type === ScaleMessageType.VIEW_LINK_REVOKED) this.options.onViewLinkRevoked(new TextDecoder().decode(message.payload));
    if (message?.type === ScaleMessageType.COMMENT_LINK_REVOKED) this.options.onCommentLinkRevoked(new TextDecoder().decode(message.payload));
    if (message?.type === ScaleMessageType.ROOM_DELETED) this.options.onRoomDeleted(new TextDecoder().decode(message.payload));
  }

  /**
   * Decodes a message another instance sent on a room's channel (`room`) or the control channel
   * (null) and counts it; null for this instance's own, and for one that does not decode
   * (logged: an instance of another version, or a stranger on the channel).
   */
  private decodeFromPeer(bytes: Buffer, room: string | null): ScaleMessage | null {
    let message: ScaleMessage;
    try {
      message = decodeScaleMessage(bytes);
    } catch (error) {
      const where = room === null ? {} : { room: roomLogId(room) };
      this.log.warn({ ...where, err: (error as Error).message }, `undecodable ${room === null ? 'control' : 'scale'} message ignored`);
      return null;
    }
    if (message.sender === this.instanceId) return null;
    this.options.metrics.relayed.inc({ direction: 'received', kind: SCALE_MESSAGE_KINDS[message.type] });
    return message;
  }

  /** Offers every loaded room's state (and drops presence of instances gone silent). */
  private healAll(): void {
    const maxSilenceMs = SILENT_INTERVALS * this.options.healIntervalMs;
    for (const link of this.links.values()) {
      link.dropSilentPeers(maxSilenceMs);
      link.offerState();
    }
  }

  /**
   * PINGs a ready connection (PING is allowed in subscriber mode too); after a few unanswered
   * in a row, drops it and reconnects (ioredis resubscribes, then onReady heals every room).
   */
  private watch(role: 'publisher' | 'subscriber', connection: Redis): void {
    if (this.closed || this.pinging[role] || connection.status !== 'ready') return;
    this.pinging[role] = true;
    connection.ping().then(
      () => {
        this.missedPings[role] = 0;
      },
      (error: Error) => {
        this.missedPings[role] += 1;
        if (this.missedPings[role] < MISSED_PINGS_BEFORE_RECYCLE || this.closed) return;
        this.missedPings[role] = 0;
        this.noteOutage(role, new Error(`no answer to ${MISSED_PINGS_BEFORE_RECYCLE} PINGs (${error.message}); reconnecting`));
        this.log.debug({ role }, 'redis connection unresponsive; reconnecting');
        connection.disconnect(true);
      },
    ).finally(() => {
      this.pinging[role] = false;
    });
  }

  /** After a (re)connect: make sure every room is subscribed, then heal them all at once. */
  private onReady(role: 'publisher' | 'subscriber'): void {
    this.missedPings[role] = 0;
    if (this.outage && this.publisher.status === 'ready' && this.subscriber.status === 'ready') {
      this.outage = false;
      this.log.info({ role }, LogMessage.redisReachableAgain);
    }
    const channels = [CONTROL_CHANNEL, ...Array.from(this.links.keys(), (room) => CHANNEL_PREFIX + room)];
    const subscribed = role === 'subscriber' ? this.subscriber.subscribe(...channels) : Promise.resolve();
    subscribed.then(
      () => this.healAll(),
      (error: Error) => this.log.warn({ err: error.message }, 'resubscribe failed; retried on the next reconnect'),
    );
  }

  private noteOutage(role: 'publisher' | 'subscriber', error: Error): void {
    if (this.outage || this.closed) return;
    this.outage = true;
    this.log.warn({ role, err: error.message }, LogMessage.redisUnreachable);
  }

  private async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.publisher.status !== 'ready' || this.subscriber.status !== 'ready') {
      if (Date.now() > deadline) {
        this.log.warn({ redis: redactUrl(this.options.redisUrl) }, 'redis not reachable at start; serving anyway, not ready');
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** The URL without a password, for logs. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    // Not parsable: config.ts checked the scheme; say nothing more about it.
    return 'redis://…';
  }
}
