/**
 * A stand-in for server/connection.ts in in-process unit tests: it records what the room sends
 * it and how it was turned away, and runs its close listeners like the real one. It has no
 * socket, so back-pressure and heartbeats (tested against real sockets in test/) do not apply.
 */
import type { CloseCodeValue } from '../../lib/protocol/close-codes';
import { ANONYMOUS_AUTHOR_ID } from '../authors';
import type { Connection, Refusal } from '../connection';
import { createLogger } from '../log';
import type { Metrics } from '../metrics';

export interface FakeConnection extends Connection {
  /** Frames sent to it, in order (presence included). */
  readonly sent: Uint8Array[];
  /** The close code, once closed. */
  closedWith: number | null;
  /** Refusals it was closed with (reason and code). */
  readonly refusals: Refusal[];
}

export interface FakeConnectionOptions {
  role?: Connection['role'];
  roomName?: string;
  wantsSavedAcks?: boolean;
  /** Asked for comment threads (`?comments=1`); off unless told. */
  wantsComments?: boolean;
  viewId?: string | null;
  commentId?: string | null;
  /** Where refusals are counted, as the real connection does. */
  metrics?: Metrics;
  /** The author it writes as (anonymous unless told). */
  authorId?: string;
}

const silent = createLogger('silent');

export function fakeConnection(options: FakeConnectionOptions = {}): FakeConnection {
  const closeListeners: (() => void)[] = [];
  const connection = {
    id: Math.random().toString(36).slice(2, 10),
    role: options.role ?? 'edit',
    roomName: options.roomName ?? 'room',
    viewId: options.viewId ?? null,
    commentId: options.commentId ?? null,
    wantsSavedAcks: options.wantsSavedAcks ?? true,
    wantsComments: options.wantsComments ?? false,
    author: { id: options.authorId ?? ANONYMOUS_AUTHOR_ID, vouchedName: null },
    log: silent,
    sent: [] as Uint8Array[],
    closedWith: null as number | null,
    refusals: [] as Refusal[],
    get isClosed() {
      return connection.closedWith !== null;
    },
    send(frame: Uint8Array) {
      if (connection.closedWith === null) connection.sent.push(frame);
    },
    sendPresence(frame: Uint8Array) {
      connection.send(frame);
    },
    close(code: CloseCodeValue) {
      if (connection.closedWith !== null) return;
      connection.closedWith = code;
      for (const listener of closeListeners.splice(0)) listener();
    },
    refuse(refusal: Refusal) {
      options.metrics?.rejected.inc({ reason: refusal.reason });
      connection.refusals.push(refusal);
      connection.close(refusal.code);
    },
    onClose(listener: () => void) {
      if (connection.closedWith !== null) listener();
      else closeListeners.push(listener);
    },
    after() {},
  };
  return connection as unknown as FakeConnection;
}
