/**
 * A Node client wired exactly like the browser editor: a stock WebsocketProvider asking for
 * SAVED acks, with lib/client/save-tracker.ts watching it. It also records every document frame it
 * sends and every SAVED ack it receives, so tests can check acks against storage.
 */
import * as decoding from 'lib0/decoding';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { SaveTracker } from '../../lib/client/save-tracker';
import { MessageType, SAVED_ACKS_PARAM } from '../../lib/protocol/sync-protocol';
import { eventually } from './wait';

export interface TrackedClient {
  doc: Y.Doc;
  text: Y.Text;
  provider: WebsocketProvider;
  tracker: SaveTracker;
  /** Document frames (sync step 2 / update) sent on the current socket, in order. */
  sentDocumentFrames: Uint8Array[];
  /** Called with N for every SAVED ack as it arrives, before anything else sees it. */
  onAck: ((count: number) => void) | null;
  /** Detaches the tracker, closes the provider and the doc. Idempotent. */
  destroy(): void;
}

/** Connects and resolves once synced. */
export async function connectTrackedClient(syncUrl: string, room: string): Promise<TrackedClient> {
  const doc = new Y.Doc();
  const tracker = new SaveTracker();
  const client: Partial<TrackedClient> & { sentDocumentFrames: Uint8Array[]; onAck: TrackedClient['onAck'] } = {
    sentDocumentFrames: [],
    onAck: null,
  };

  class RecordingWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      client.sentDocumentFrames = [];
      // y-websocket sets binaryType 'arraybuffer', so frames arrive as ArrayBuffers.
      this.on('message', (data: ArrayBuffer | Buffer) => {
        const bytes = new Uint8Array(data);
        if (bytes[0] !== MessageType.SAVED) return;
        const decoder = decoding.createDecoder(bytes);
        decoding.readVarUint(decoder);
        client.onAck?.(decoding.readVarUint(decoder));
      });
    }
    override send(data: Uint8Array): void {
      if (data[0] === MessageType.SYNC && (data[1] === 1 || data[1] === 2)) client.sentDocumentFrames.push(data);
      super.send(data);
    }
  }

  const provider = new WebsocketProvider(syncUrl, room, doc, {
    params: { [SAVED_ACKS_PARAM]: '1' },
    WebSocketPolyfill: tracker.webSocketClass(RecordingWebSocket) as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
  tracker.attach(provider);
  Object.assign(client, {
    doc,
    text: doc.getText('title'),
    provider,
    tracker,
    destroy() {
      if (doc.isDestroyed) return;
      tracker.detach();
      provider.destroy();
      doc.destroy();
    },
  });
  await eventually(() => provider.synced, `tracked client in ${room} to sync`);
  return client as TrackedClient;
}

/** The document made of the first `count` document frames a client sent. */
export function docFromFrames(frames: Uint8Array[], count: number): Y.Doc {
  const doc = new Y.Doc();
  for (const frame of frames.slice(0, count)) {
    const decoder = decoding.createDecoder(frame);
    decoding.readVarUint(decoder);
    decoding.readVarUint(decoder);
    Y.applyUpdate(doc, decoding.readVarUint8Array(decoder));
  }
  return doc;
}
