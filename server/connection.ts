/**
 * One client socket: sending, heartbeat, and closing with a named code. Knows nothing about
 * documents; the room decides what to send and the sync server decides what to do with frames.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { CLOSE_CODE_INFO, type CloseCodeValue } from '../lib/close-codes';
import type { Logger } from './log';

export class Connection {
  /** Short random id used in logs to follow one socket. */
  readonly id = randomUUID().slice(0, 8);
  readonly log: Logger;
  private closed = false;
  private alive = true;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly closeListeners: (() => void)[] = [];

  constructor(
    private readonly socket: WebSocket,
    readonly roomName: string,
    /** Whether the client asked for Tandem's SAVED acknowledgements (`?acks=1`). */
    readonly wantsSavedAcks: boolean,
    logger: Logger,
    heartbeatIntervalMs: number,
  ) {
    this.log = logger.child({ room: roomName, conn: this.id });
    socket.on('pong', () => {
      this.alive = true;
    });
    socket.on('close', () => this.markClosed());
    socket.on('error', (error) => {
      this.log.warn({ err: error.message }, 'socket error');
      this.markClosed();
    });
    // A peer that does not answer a ping within one interval is gone (laptop lid, dead NAT).
    this.heartbeat = setInterval(() => {
      if (!this.alive) {
        this.log.info('heartbeat missed; dropping connection');
        socket.terminate();
        this.markClosed();
        return;
      }
      this.alive = false;
      socket.ping();
    }, heartbeatIntervalMs);
    this.heartbeat.unref();
  }

  /** True once the socket is closing or closed; a closed connection sends and handles nothing. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Sends one frame; a failed send closes the connection rather than leaving it half-alive. */
  send(frame: Uint8Array): void {
    if (this.closed || this.socket.readyState !== WebSocket.OPEN) return;
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

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}
