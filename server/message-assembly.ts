/**
 * A deadline for each WebSocket message: one that has started arriving (a first fragment with
 * FIN=0, or the first bytes of a large frame) must be complete within the timeout. Without it a
 * client pins up to MAX_MESSAGE_BYTES per socket for ever: `ws` buffers the parts and answers
 * pings in between, so the heartbeat never notices.
 */
import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';

/** What `ws` keeps about a half-received message (lib/receiver.js, ws 8.x). */
interface ReceiverState {
  /** Bytes received and not yet parsed into a whole frame. */
  _bufferedBytes: number;
  /** Payloads of the fragments of an unfinished message. */
  _fragments: unknown[];
}

/**
 * The raw socket and receiver behind a `ws` WebSocket, or null if `ws` no longer has them where
 * 8.x keeps them (then no deadline applies; message-assembly.test.ts fails on such a `ws`).
 * The only place Tandem reads `ws` internals: `ws` has no public "message in progress" signal.
 */
export function wsInternals(socket: WebSocket): { raw: Duplex; receiver: ReceiverState } | null {
  const internals = socket as unknown as { _socket?: Duplex | null; _receiver?: Partial<ReceiverState> | null };
  const receiver = internals._receiver;
  if (!internals._socket || !receiver) return null;
  if (typeof receiver._bufferedBytes !== 'number' || !Array.isArray(receiver._fragments)) return null;
  return { raw: internals._socket, receiver: receiver as ReceiverState };
}

/** Whether part of a message (or of any frame, control frames included) is waiting for the rest. */
export function hasUnfinishedMessage(receiver: ReceiverState): boolean {
  return receiver._bufferedBytes > 0 || receiver._fragments.length > 0;
}

/**
 * Calls `onTimeout` once if a message is started on `socket` and not finished within
 * `timeoutMs`. Each message gets its own deadline from its first bytes, so a client streaming
 * many messages back to back never trips it; an idle client (pongs included) has none running.
 */
export function watchMessageAssembly(socket: WebSocket, timeoutMs: number, onTimeout: () => void): void {
  const internals = wsInternals(socket);
  if (!internals) return;
  let deadline: NodeJS.Timeout | null = null;
  const stop = () => {
    if (deadline) clearTimeout(deadline);
    deadline = null;
  };
  // `ws` parses each chunk synchronously in its own 'data' listener, added before this one: by
  // now the receiver reflects the whole chunk, and 'message' fired for what it completed.
  internals.raw.on('data', () => {
    if (!hasUnfinishedMessage(internals.receiver)) return stop();
    if (deadline) return;
    deadline = setTimeout(() => {
      deadline = null;
      if (hasUnfinishedMessage(internals.receiver)) onTimeout();
    }, timeoutMs);
    deadline.unref();
  });
  // A finished message ends its deadline; whatever is unfinished after it started later.
  socket.on('message', stop);
  socket.once('close', stop);
}
