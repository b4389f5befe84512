/**
 * One client socket: sending, heartbeat, token expiry, and closing with a named code. Knows
 * nothing about documents; the room decides what to send and the sync server decides what to
 * do with frames.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { CLOSE_CODE_INFO, CloseCode, type CloseCodeValue } from '../lib/close-codes';
import { roomLogId, type Logger } from './log';
import type { Metrics } from './metrics';
import type { UpgradeTarget } from './upgrade';

export interface ConnectionOptions {
  logger: Logger;
  metrics: Metrics;
  heartbeatIntervalMs: number;
}

export class Connection {
  /** Short random id used in logs to follow one socket. */
  readonly id = randomUUID().slice(0, 8);
  readonly log: Logger;
  readonly roomName: string;
  /** `view` connections never write (enforced by the room). */
  readonly role: UpgradeTarget['role'];
  /** The view id this connection came through, if any (rotation closes it). */
  readonly viewId: string | null;
  /** Whether the client asked for Tandem's SAVED acknowledgements (`?acks=1`). */
  readonly wantsSavedAcks: boolean;
  private closed = false;
  private alive = true;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly closeListeners: (() => void)[] = [];
  private readonly metrics: Metrics;

  constructor(
    private readonly socket: WebSocket,
    target: UpgradeTarget,
    options: ConnectionOptions,
  ) {
    this.roomName = target.roomName;
    this.role = target.role;
    this.viewId = target.viewId;
    this.wantsSavedAcks = target.wantsSavedAcks;
    this.metrics = options.metrics;
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
    if (target.tokenExpiresAt !== null) {
      this.after(Math.max(0, target.tokenExpiresAt - Date.now()), () => {
        this.log.info('token expired; closing');
        this.close(CloseCode.TOKEN_EXPIRED);
      });
    }
  }

  /** True once the socket is closing or closed; a closed connection sends and handles nothing. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Sends one frame; a failed send closes the connection rather than leaving it half-alive. */
  send(frame: Uint8Array): void {
    if (this.closed || this.socket.readyState !== WebSocket.OPEN) return;
    this.metrics.bytesSent.inc(frame.byteLength);
    this.socket.send(frame, (error) => {
      if (error) {
        this.log.warn({ err: error.message }, 'send failed; closing');
        this.socket.terminate();
        this.markClosed();
      }
    });
  }

  /** Closes with one of the codes from lib/close-codes.ts. Idempotent. */
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
