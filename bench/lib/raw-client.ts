/**
 * A minimal y-websocket client for load generation: it answers the server's sync step 1,
 * sends pre-computed document updates, and times each one until Tandem's SAVED ack covers it.
 * No Y.Doc of its own, so the load generator measures the server, not itself.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import { MessageType, SAVED_ACKS_PARAM, SyncMessageType } from '../../lib/protocol/sync-protocol';

export class AckTimingClient {
  /** Milliseconds from send to SAVED ack, per acknowledged update. */
  readonly ackLatenciesMs: number[] = [];
  private readonly sendTimes: number[] = [];
  /** Which sent messages were edits (our handshake's empty step 2 is not). */
  private readonly isEdit: boolean[] = [];
  private acked = 0;
  private socket!: WebSocket;
  private waiters: (() => void)[] = [];

  private constructor() {}

  /** Connects to `<syncUrl>/<room>?acks=1` and completes the handshake. */
  static async connect(syncUrl: string, room: string): Promise<AckTimingClient> {
    const client = new AckTimingClient();
    const socket = new WebSocket(`${syncUrl}/${room}?${SAVED_ACKS_PARAM}=1`, { perMessageDeflate: false });
    client.socket = socket;
    socket.binaryType = 'nodebuffer';
    socket.on('message', (data: Buffer) => client.onMessage(new Uint8Array(data)));
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return client;
  }

  /** Document messages sent so far (our empty step 2 included). */
  get sent(): number {
    return this.sendTimes.length;
  }

  /** Sends one update frame and notes the time. */
  sendUpdate(update: Uint8Array): void {
    this.sendDocumentFrame(SyncMessageType.UPDATE, update);
  }

  /** Resolves once at most `limit` sent messages are still unacknowledged (flow control). */
  async waitForBacklogBelow(limit: number): Promise<void> {
    while (this.sent - this.acked > limit) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Resolves once every message sent so far is acknowledged. */
  async waitForAllAcked(): Promise<void> {
    await this.waitForBacklogBelow(0);
  }

  close(): void {
    this.socket.close();
  }

  private sendDocumentFrame(syncType: number, payload: Uint8Array): void {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MessageType.SYNC);
    encoding.writeVarUint(encoder, syncType);
    encoding.writeVarUint8Array(encoder, payload);
    this.sendTimes.push(performance.now());
    this.isEdit.push(syncType === SyncMessageType.UPDATE);
    this.socket.send(encoding.toUint8Array(encoder));
  }

  private onMessage(frame: Uint8Array): void {
    const decoder = decoding.createDecoder(frame);
    const type = decoding.readVarUint(decoder);
    if (type === MessageType.SYNC && decoding.readVarUint(decoder) === SyncMessageType.STEP1) {
      // We hold nothing the server lacks: answer with an empty update.
      this.sendDocumentFrame(SyncMessageType.STEP2, Uint8Array.of(0, 0));
    } else if (type === MessageType.SAVED) {
      const count = decoding.readVarUint(decoder);
      const now = performance.now();
      for (let i = this.acked; i < count; i++) {
        if (this.isEdit[i]) this.ackLatenciesMs.push(now - this.sendTimes[i]);
      }
      this.acked = Math.max(this.acked, count);
      for (const wake of this.waiters.splice(0)) wake();
    }
  }
}
