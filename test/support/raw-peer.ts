/**
 * A hand-made y-websocket client over a raw `ws` socket. It keeps a Y.Doc of what the server
 * sent, records every frame, permission-denied message and the close code, and sends exactly
 * the frames a test gives it (a viewer's writes, floods, nothing at all), unlike a stock
 * provider, which answers and reconnects on its own.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket, { type ClientOptions } from 'ws';
import * as authProtocol from 'y-protocols/auth';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { MessageType } from '../../lib/protocol/sync-protocol';
import { eventually } from './wait';
import { awarenessFrame, syncStep1Frame } from './frames';
import { whenOpen } from './raw-socket';

export interface RawPeer {
  socket: WebSocket;
  /** The document as the server has sent it. */
  doc: Y.Doc;
  text: Y.Text;
  /** This peer's presence, and everyone's the server relayed. */
  awareness: awarenessProtocol.Awareness;
  /** Every frame received, in order. */
  frames: Uint8Array[];
  /** The reason of every permission-denied auth message, in order. */
  denials: string[];
  /** The last socket error (e.g. an invalid frame from the server), else null. */
  error: Error | null;
  /** The close code once the socket closed, else null. */
  closeCode: number | null;
  /** Resolves with the close code; rejects if the socket is still open after `timeoutMs`. */
  closed(timeoutMs?: number): Promise<number>;
  send(frame: Uint8Array): void;
  /** Sends sync step 1, so the server answers with the whole document. */
  requestDocument(): void;
  /** Sets this peer's presence and sends it. */
  announce(state: Record<string, unknown>): void;
  /** Closes the socket (if open) and frees the doc. */
  destroy(): void;
}

/** Opens a raw peer on `url`; rejects with `{ status }` if the upgrade is refused. */
export async function openRawPeer(url: string, options?: ClientOptions): Promise<RawPeer> {
  // Listeners go on before the socket opens: the first frame may arrive with the 101 response.
  const socket = new WebSocket(url, options);
  const doc = new Y.Doc();
  const awareness = new awarenessProtocol.Awareness(doc);
  const peer: RawPeer = {
    socket,
    doc,
    text: doc.getText('title'),
    awareness,
    frames: [],
    denials: [],
    error: null,
    closeCode: null,
    async closed(timeoutMs = 5_000) {
      await eventually(() => peer.closeCode !== null, 'the server to close the socket', timeoutMs);
      return peer.closeCode!;
    },
    send(frame) {
      socket.send(frame);
    },
    requestDocument() {
      socket.send(syncStep1Frame(doc));
    },
    announce(state) {
      awareness.setLocalState(state);
      socket.send(awarenessFrame(awareness));
    },
    destroy() {
      if (socket.readyState === WebSocket.OPEN) socket.close();
      awareness.destroy();
      doc.destroy();
    },
  };
  socket.once('close', (code) => {
    peer.closeCode = code;
  });
  socket.on('error', (error) => {
    peer.error = error;
  });
  socket.on('message', (data: WebSocket.RawData) => {
    const bytes = new Uint8Array(Array.isArray(data) ? Buffer.concat(data) : (data as Buffer));
    peer.frames.push(bytes);
    const decoder = decoding.createDecoder(bytes);
    switch (decoding.readVarUint(decoder)) {
      case MessageType.SYNC:
        // Applies step 2 and updates; the step-1 answer it writes is deliberately not sent.
        syncProtocol.readSyncMessage(decoder, encoding.createEncoder(), doc, 'server');
        return;
      case MessageType.AWARENESS:
        awarenessProtocol.applyAwarenessUpdate(awareness, decoding.readVarUint8Array(decoder), 'server');
        return;
      case MessageType.AUTH:
        authProtocol.readAuthMessage(decoder, doc, (_doc, reason) => peer.denials.push(reason));
        return;
    }
  });
  try {
    await whenOpen(socket);
  } catch (error) {
    awareness.destroy();
    doc.destroy();
    throw error;
  }
  return peer;
}
