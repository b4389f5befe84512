/**
 * One client socket: sending, heartbeat, token expiry, and closing with a named code. Knows
 * nothing about documents; the room decides what to send and the sync server decides what to
 * do with frames.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { CLOSE_CODE_INFO, CloseCode, type CloseCodeValue } from '../lib/protocol/close-codes';
import { roomLogId, type Logger } from './log';
import { watchMessageAssembly } from './message-assembly';
import type { Metrics, RejectionReason } from './metrics';
import type { ConnectionAuthor } from './authors';
import type { UpgradeTarget } from './upgrade';
import { LogMessage } from './log-messages';

export interface ConnectionOptions {
  logger: Logger;
  metrics: Metrics;
  heartbeatIntervalMs: number;
  /** Unsent bytes the server holds for one peer beyond its sync answer (MAX_SEND_BUFFER_BYTES). */
  maxSendBufferBytes: number;
  /** A message started must be complete within this (MESSAGE_ASSEMBLY_TIMEOUT_MS); else 4524. */
  messageAssemblyTimeoutMs: number;
}

/**
 * Why the server turns a connection or one of its messages away, as one value: the close
 * code, the `tandem_rejected_total` reason and the log line (admission.ts builds most).
 */
export interface Refusal {
  code: CloseCodeValue;
  reason: RejectionReason;
  message: string;
  /** More log fields (never a token or room name). */
  fields?: Record<string, unknown>;
}

/**
 * Share of MAX_SEND_BUFFER_BYTES past which presence is no longer sent (1 MiB by default):
 * presence is replaceable, since the next change or the owner's 15 s renewal carries it again,
 * so a peer that fell behind gets the document updates it cannot do without first.
 */
const PRESENCE_SKIP_SHARE = 1 / 16;

export class Connection {
  /** Short random id used in logs to follow one socket. */
  readonly id = randomUUID().slice(0, 8);
  readonly log: Logger;
  readonly roomName: string;
  /** Only `edit` connections write to the document; `comment` and `view` never do (the room enforces it). */
  readonly role: UpgradeTarget['role'];
  /** The view id this connection came through, if any (rotation closes it). */
  readonly viewId: string | null;
  /** The comment id this connection came through, if any (rotation closes it). */
  readonly commentId: string | null;
  /** Whether the client asked for Tandem's SAVED acknowledgements (`?acks=1`). */
  readonly wantsSavedAcks: boolean;
  /** Whether the client asked for comment threads and may send comment operations (`?comments=1`). */
  readonly wantsComments: boolean;
  /** Whom its changes are attributed to (authors.ts). */
  readonly author: ConnectionAuthor;
  private closed = false;
  private alive = true;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly closeListeners: (() => void)[] = [];
  private readonly metrics: Metrics;
  private readonly maxSendBufferBytes: number;
  /**
   * The last sync answer sent while it is still being written out. It alone may go past the
   * send-buffer bound: a joiner gets a whole document (up to MAX_DOCUMENT_BYTES) at once, and
   * live updates that arrive meanwhile must not close it.
   */
  private answerInFlight: { bytes: number } | null = null;

  constructor(
    private readonly socket: WebSocket,
    target: UpgradeTarget,
    options: ConnectionOptions,
  ) {
    this.roomName = target.roomName;
    this.role = target.role;
    this.viewId = target.viewId;
    this.commentId = target.commentId;
    this.wantsSavedAcks = target.wantsSavedAcks;
    this.wantsComments = target.wantsComments;
    this.author = target.author;
    this.metrics = options.metrics;
    this.maxSendBufferBytes = options.maxSendBufferBytes;
    this.log = options.logger.child({ room: roomLogId(target.roomName), conn: this.id, role: target.role });
    socket.on('pong', () => {
      this.alive = true;
    });
    socket.on('close', () => this.markClosed());
    socket.on('error', (error) => {
      this.log.warn({ err: error.message }, 'socket error');
      this.markClosed();
    });
    // A peer that does not answer a ping within one interval is gone (laptop lid, dead NAT).
    this.every(options.heartbeatIntervalMs, () => {
      if (!this.alive) {
        this.log.info('heartbeat missed; dropping connection');
        socket.terminate();
        this.markClosed();
        return;
      }
      this.alive = false;
      socket.ping();
    });
    watchMessageAssembly(socket, options.messageAssemblyTimeoutMs, () =>
      this.refuse({
        code: CloseCode.MESSAGE_TIMEOUT,
        reason: 'message_timeout',
        message: LogMessage.messageTimeout,
      }),
    );
    if (target.tokenExpiresAt !== null) {
      this.after(Math.max(0, target.tokenExpiresAt - Date.now()), () => {
        this.log.info(LogMessage.tokenExpired);
        this.close(CloseCode.TOKEN_EXPIRED);
      });
    }
  }

  /** True once the socket is closing or closed; a closed connection sends and handles nothing. */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Sends one frame (`syncAnswer`: a sync step 2 answering the peer's step 1). A peer that does
   * not read (or reads too slowly) would make the server hold everything sent to it (security
   * review H6): once the unsent bytes beyond its sync answer pass MAX_SEND_BUFFER_BYTES, the
   * connection is closed (4513, retryable: a slow link is no fault) instead of queueing more.
   * The bound is checked before adding the frame, so one large frame into an empty buffer always
   * goes. A failed send closes the connection rather than leaving it half-alive.
   */
  send(frame: Uint8Array, { syncAnswer = false }: { syncAnswer?: boolean } = {}): void {
    if (this.closed || this.socket.readyState !== WebSocket.OPEN) return;
    if (this.backlogBytes > this.maxSendBufferBytes) {
      // The close frame queues behind the unread bytes; ws destroys the socket if the peer never
      // reads it. Nothing more is queued meanwhile.
      this.refuse({
        code: CloseCode.SEND_BUFFER_FULL,
        reason: 'send_buffer_full',
        message: 'peer reads too slowly; closing',
        fields: { buffered: this.socket.bufferedAmount },
      });
      return;
    }
    this.metrics.bytesSent.inc(frame.byteLength);
    if (!syncAnswer) {
      // One callback for every ordinary frame (no closure per frame: a keystroke is sent to every member).
      this.socket.send(frame, this.afterSend);
      return;
    }
    const answer = { bytes: frame.byteLength };
    this.answerInFlight = answer;
    this.socket.send(frame, (error) => {
      // Called once the frame is written out (or failed): it no longer sits in the buffer.
      if (this.answerInFlight === answer) this.answerInFlight = null;
      this.afterSend(error);
    });
  }

  /** A frame was written out, or failed: a failed send closes the connection rather than leaving it half-alive. */
  private readonly afterSend = (error?: Error | null): void => {
    if (!error) return;
    this.log.warn({ err: error.message }, 'send failed; closing');
    this.socket.terminate();
    this.markClosed();
  };

  /** Sends a presence frame, or skips it for a peer already behind (see PRESENCE_SKIP_SHARE). */
  sendPresence(frame: Uint8Array): void {
    if (this.backlogBytes > this.maxSendBufferBytes * PRESENCE_SKIP_SHARE) return;
    this.send(frame);
  }

  /** Bytes queued for the peer and not yet written out, beyond the sync answer in flight. */
  private get backlogBytes(): number {
    return this.socket.bufferedAmount - (this.answerInFlight?.bytes ?? 0);
  }

  /** Turns the connection away: counts the refusal, logs it once and closes with its code. */
  refuse(refusal: Refusal): void {
    this.metrics.rejected.inc({ reason: refusal.reason });
    this.log.warn({ code: refusal.code, ...refusal.fields }, refusal.message);
    this.close(refusal.code);
  }

  /** Closes with one of the codes from lib/protocol/close-codes.ts. Idempotent. */
  close(code: CloseCodeValue): void {
    if (this.closed) return;
    this.socket.close(code, CLOSE_CODE_INFO[code].reason);
    this.markClosed();
  }

  /** Runs `listener` once when the connection closes, for whatever reason. */
  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  /** Runs `task` after `ms` unless the connection closed first. */
  after(ms: number, task: () => void): void {
    const timer = setTimeout(task, Math.min(ms, 2 ** 31 - 1));
    timer.unref();
    this.timers.push(timer);
  }

  private every(ms: number, task: () => void): void {
    const timer = setInterval(task, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}
