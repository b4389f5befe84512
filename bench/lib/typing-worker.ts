/**
 * A load-generator process (forked by bench/lib/typing-load.ts): it holds some of the
 * clients of a typing scenario, each both a typist and a reader. Every typist sends
 * pre-computed one-character updates on a fixed schedule; every client notes when each other
 * client's update reaches it. Send and receive times are reported to the parent, which joins
 * them by (client, clock). Times are CLOCK_MONOTONIC, shared by all processes on the machine.
 */
import * as Y from 'yjs';
import { connectAll, monotonicMs, updateKey, WireClient, type Endpoint } from './wire-client';

export interface TypingWorkerSetup {
  type: 'setup';
  endpoint: Endpoint;
  rooms: { room: string; clientIds: number[] }[];
  editsPerClient: number;
  /** Handshakes in flight at once while connecting. */
  parallel: number;
}

export interface TypingWorkerStart {
  type: 'start';
  /** Monotonic ms at which typing starts. */
  startAtMs: number;
  intervalMs: number;
  editsPerClient: number;
}

export interface TypingWorkerReport {
  type: 'report';
  sendKeys: Float64Array;
  sendTimes: Float64Array;
  receiveKeys: Float64Array;
  receiveTimes: Float64Array;
  /** Update frames received (any content), to catch frames the key parser cannot attribute. */
  updateFrames: number;
  lateSends: number;
}

/** A Float64Array that grows, for millions of samples without boxed numbers. */
class Samples {
  private data = new Float64Array(1 << 16);
  length = 0;
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
  toArray(): Float64Array {
    return this.data.slice(0, this.length);
  }
}

/** One client's keystrokes: one-character inserts at the end of its own text. */
function keystrokes(clientId: number, count: number): Uint8Array[] {
  const doc = new Y.Doc();
  doc.clientID = clientId;
  const text = doc.getText('title');
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  for (let i = 0; i < count; i++) text.insert(i, String.fromCharCode(97 + (i % 26)));
  doc.destroy();
  return updates;
}

const sendKeys = new Samples();
const sendTimes = new Samples();
const receiveKeys = new Samples();
const receiveTimes = new Samples();
let updateFrames = 0;
let clients: { client: WireClient; id: number; room: string; updates: Uint8Array[] }[] = [];

async function setup(message: TypingWorkerSetup): Promise<void> {
  const plan = message.rooms.flatMap(({ room, clientIds }) => clientIds.map((id) => ({ room, id })));
  clients = plan.map(({ room, id }) => ({
    id,
    room,
    updates: keystrokes(id, message.editsPerClient),
    client: null as unknown as WireClient,
  }));
  const started = monotonicMs();
  await connectAll(clients, message.parallel, async (entry) => {
    entry.client = new WireClient(message.endpoint, entry.room, {
      onUpdate: (client, clock, atMs) => {
        if (client === entry.id) return; // Hocuspocus echoes our own updates back
        receiveKeys.push(updateKey(client, clock));
        receiveTimes.push(atMs);
      },
      onUpdateFrame: () => updateFrames++,
    });
    await entry.client.whenSynced();
  });
  process.send!({ type: 'ready', connectMs: monotonicMs() - started });
}

async function type(message: TypingWorkerStart): Promise<void> {
  // Every keystroke of every client, in time order: each client at a random phase, evenly paced.
  const events: { at: number; index: number; seq: number }[] = [];
  clients.forEach((_, index) => {
    const phase = Math.random() * message.intervalMs;
    for (let seq = 0; seq < message.editsPerClient; seq++) {
      events.push({ at: message.startAtMs + phase + seq * message.intervalMs, index, seq });
    }
  });
  events.sort((a, b) => a.at - b.at);
  let lateSends = 0;
  for (let next = 0; next < events.length; ) {
    const wait = events[next].at - monotonicMs();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const now = monotonicMs();
    while (next < events.length && events[next].at <= now + 0.5) {
      const { index, seq, at } = events[next++];
      const entry = clients[index];
      const sentAt = monotonicMs();
      if (sentAt - at > 5) lateSends++;
      entry.client.sendUpdate(entry.updates[seq]);
      sendKeys.push(updateKey(entry.id, seq));
      sendTimes.push(sentAt);
    }
  }
  process.send!({ type: 'typed', lateSends });
}

process.on('message', (message: TypingWorkerSetup | TypingWorkerStart | { type: 'report' | 'exit' }) => {
  if (message.type === 'setup') {
    setup(message).catch((error: Error) => process.send!({ type: 'error', message: error.stack ?? error.message }));
  } else if (message.type === 'start') {
    type(message).catch((error: Error) => process.send!({ type: 'error', message: error.stack ?? error.message }));
  } else if (message.type === 'report') {
    const report: Omit<TypingWorkerReport, 'lateSends'> = {
      type: 'report',
      sendKeys: sendKeys.toArray(),
      sendTimes: sendTimes.toArray(),
      receiveKeys: receiveKeys.toArray(),
      receiveTimes: receiveTimes.toArray(),
      updateFrames,
    };
    process.send!(report);
  } else if (message.type === 'exit') {
    void Promise.all(clients.map(({ client }) => client?.close())).finally(() => process.exit(0));
  }
});
