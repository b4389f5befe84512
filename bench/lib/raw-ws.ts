/**
 * A hand-made WebSocket client over a bare TCP socket, for attackers in a flood: it sends
 * masked binary frames (zero mask key, so no per-byte work), answers pings, and on the way in
 * only reads frame headers and skips payloads, so receiving costs the attacker's process
 * almost nothing and it does not compete with the server for CPU. It can also stop reading
 * altogether (a peer whose kernel buffers fill), which a `ws` client cannot do.
 */
import net from 'node:net';

export interface RawWsOptions {
  host: string;
  port: number;
  /** Source address: the attacker dials from its own loopback address (e.g. 127.0.0.2). */
  localAddress?: string;
  /** Never read after the upgrade: the server's answers pile up in its buffers. */
  read?: boolean;
}

const OPCODE_BINARY = 0x2;
const OPCODE_CLOSE = 0x8;
const OPCODE_PING = 0x9;
const OPCODE_PONG = 0xa;
const ZERO_MASK = Buffer.alloc(4);

/** The header of a client (masked) frame of `length` bytes. */
function frameHeader(opcode: number, length: number): Buffer {
  if (length < 126) return Buffer.concat([Buffer.of(0x80 | opcode, 0x80 | length), ZERO_MASK]);
  if (length < 65_536) {
    const header = Buffer.alloc(8);
    header[0] = 0x80 | opcode;
    header[1] = 0x80 | 126;
    header.writeUInt16BE(length, 2);
    return header;
  }
  const header = Buffer.alloc(14);
  header[0] = 0x80 | opcode;
  header[1] = 0x80 | 127;
  header.writeBigUInt64BE(BigInt(length), 2);
  return header;
}

export class RawWs {
  bytesSent = 0;
  bytesReceived = 0;
  framesSent = 0;
  /** The close code the server sent (or 1006 when the connection just ended), null while open. */
  closeCode: number | null = null;
  /** The HTTP status when the upgrade was refused, or the socket error, if any. */
  failure: string | null = null;
  readonly closed: Promise<void>;
  /** False for a socket that stopped reading after the upgrade. */
  readonly reads: boolean;
  private readonly socket: net.Socket;
  private pending: Buffer = Buffer.alloc(0);
  /** Payload bytes of the current incoming frame still to skip. */
  private skipping = 0;

  private constructor(
    options: RawWsOptions,
    path: string,
    private readonly upgraded: (ok: boolean) => void,
  ) {
    this.reads = options.read !== false;
    this.socket = net.connect({ host: options.host, port: options.port, localAddress: options.localAddress });
    this.socket.setNoDelay(true);
    this.closed = new Promise((resolve) =>
      this.socket.once('close', () => {
        this.closeCode ??= 1006;
        this.upgraded(false);
        resolve();
      }),
    );
    this.socket.on('error', (error) => (this.failure ??= error.message));
    this.socket.once('connect', () => {
      this.socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${options.host}:${options.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
    });
    let head = '';
    const onHead = (chunk: Buffer) => {
      this.bytesReceived += chunk.byteLength;
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      this.socket.off('data', onHead);
      if (!head.startsWith('HTTP/1.1 101')) {
        this.failure = head.slice(0, head.indexOf('\r\n'));
        this.socket.destroy();
        return;
      }
      const rest = Buffer.from(head.slice(end + 4), 'latin1');
      if (options.read === false) this.socket.pause();
      else {
        this.socket.on('data', (data: Buffer) => this.onData(data));
        if (rest.byteLength > 0) this.onData(rest, false);
      }
      this.upgraded(true);
    };
    this.socket.on('data', onHead);
  }

  /** Opens a WebSocket to `path`; resolves with the socket once upgraded, or failed/closed. */
  static open(options: RawWsOptions, path: string): Promise<{ ws: RawWs; ok: boolean }> {
    return new Promise((resolve) => {
      let settled = false;
      const ws: RawWs = new RawWs(options, path, (ok) => {
        if (settled) return;
        settled = true;
        // The constructor may report before `ws` is assigned: defer one tick.
        queueMicrotask(() => resolve({ ws, ok }));
      });
    });
  }

  get isOpen(): boolean {
    return this.closeCode === null && !this.socket.destroyed;
  }

  /** Bytes handed to the socket but not yet to the kernel (back-pressure from the server). */
  get writableLength(): number {
    return this.socket.writableLength;
  }

  /** Sends one binary message. */
  send(payload: Uint8Array): void {
    if (!this.isOpen) return;
    this.socket.write(frameHeader(OPCODE_BINARY, payload.byteLength));
    this.socket.write(payload);
    this.bytesSent += payload.byteLength;
    this.framesSent++;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(data: Buffer, count = true): void {
    if (count) this.bytesReceived += data.byteLength;
    let offset = 0;
    if (this.skipping > 0) {
      const skipped = Math.min(this.skipping, data.byteLength);
      this.skipping -= skipped;
      offset = skipped;
    }
    if (offset >= data.byteLength) return;
    // Only headers (and the few control frames) are kept; big payloads are counted and skipped.
    this.pending = this.pending.byteLength > 0 ? Buffer.concat([this.pending, data.subarray(offset)]) : data.subarray(offset);
    while (this.pending.byteLength >= 2) {
      const opcode = this.pending[0] & 0x0f;
      let length = this.pending[1] & 0x7f;
      let headerLength = 2;
      if (length === 126) {
        if (this.pending.byteLength < 4) return;
        length = this.pending.readUInt16BE(2);
        headerLength = 4;
      } else if (length === 127) {
        if (this.pending.byteLength < 10) return;
        length = Number(this.pending.readBigUInt64BE(2));
        headerLength = 10;
      }
      const isControl = opcode >= OPCODE_CLOSE;
      if (isControl && this.pending.byteLength < headerLength + length) return;
      if (isControl) {
        const payload = this.pending.subarray(headerLength, headerLength + length);
        if (opcode === OPCODE_PING) {
          this.socket.write(frameHeader(OPCODE_PONG, payload.byteLength));
          this.socket.write(payload);
        } else if (opcode === OPCODE_CLOSE) {
          this.closeCode = payload.byteLength >= 2 ? payload.readUInt16BE(0) : 1005;
          // No closing handshake: an attacker does not wait for one.
          this.socket.destroy();
        }
      }
      const available = this.pending.byteLength - headerLength;
      if (available >= length) {
        this.pending = this.pending.subarray(headerLength + length);
      } else {
        this.skipping = length - available;
        this.pending = Buffer.alloc(0);
      }
    }
  }
}

/** A TCP connection that sends the start of an HTTP request and then nothing (slowloris). */
export function stalledRequest(options: RawWsOptions, path: string): { socket: net.Socket; closed: Promise<void> } {
  const socket = net.connect({ host: options.host, port: options.port, localAddress: options.localAddress });
  socket.on('error', () => undefined);
  socket.once('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: ${options.host}\r\nUpgrade: websocket\r\n`));
  socket.resume();
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, closed };
}
