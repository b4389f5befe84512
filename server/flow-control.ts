/**
 * What one connection may send, judged before and after a frame is decoded: its byte budget,
 * its message rates (sync step 1s on their own budget), and, for view connections, which
 * document messages are dropped unread (security review H6, M1). Pure bookkeeping: the sync
 * server closes and counts.
 */
import type { ServerConfig } from './config';
import type { RejectionReason } from './metrics';
import { peekDocumentMessage, type ClientMessage } from './protocol';
import { TokenBucket } from './rate-limiter';

/** The limits a connection's budget is made of. */
export type BudgetLimits = Pick<
  ServerConfig,
  | 'updateRatePerSecond'
  | 'updateBurst'
  | 'awarenessRatePerSecond'
  | 'awarenessBurst'
  | 'syncStep1RatePerMinute'
  | 'syncStep1Burst'
  | 'byteRatePerSecond'
  | 'byteBurst'
>;

/**
 * One connection's token buckets. Each starts full, unless the connection's address was just
 * over a budget (OverBudgetAddresses): then with one second's worth of its rate.
 */
export class ConnectionBudget {
  private readonly updates: TokenBucket;
  private readonly awareness: TokenBucket;
  private readonly step1s: TokenBucket;
  private readonly bytes: TokenBucket;

  constructor(limits: BudgetLimits, { fullBurst = true }: { fullBurst?: boolean } = {}) {
    const bucket = (ratePerSecond: number, burst: number) =>
      new TokenBucket(ratePerSecond, burst, fullBurst ? burst : Math.max(1, ratePerSecond));
    this.updates = bucket(limits.updateRatePerSecond, limits.updateBurst);
    this.awareness = bucket(limits.awarenessRatePerSecond, limits.awarenessBurst);
    // Stock clients send one sync step 1 per connect; each costs the server an encode and sends
    // up to a whole document, so step 1s have their own, small budget.
    this.step1s = bucket(limits.syncStep1RatePerMinute / 60, limits.syncStep1Burst);
    this.bytes = bucket(limits.byteRatePerSecond, limits.byteBurst);
  }

  /**
   * Charges a frame's length, before it is decoded (a message count alone let 1 MiB frames
   * through at 200 a second); false when the connection is over its byte budget.
   */
  chargeBytes(length: number): boolean {
    return this.bytes.take(length);
  }

  /**
   * Charges a decoded message to its rate; returns the limit it goes past, if any. Presence that
   * only echoes what the server holds (`isEcho`) costs nothing: stock clients re-send every
   * change they receive, so a busy room never rate-limits its members, while an attacker pays
   * for every attempt (news, removals and refused entries alike).
   */
  overRate(message: ClientMessage, isEcho: () => boolean): RejectionReason | null {
    switch (message.kind) {
      case 'sync-step1':
        return this.step1s.take() ? null : 'sync_step1_rate';
      case 'sync-step2':
      case 'sync-update':
        return this.updates.take() ? null : 'rate_limited';
      case 'awareness':
        if (isEcho()) return null;
        return this.awareness.take() ? null : 'rate_limited';
      case 'query-awareness':
        return this.awareness.take() ? null : 'rate_limited';
    }
  }
}

/**
 * Document messages a view connection may send (each answered "read-only") before it is closed
 * with 4403. A stock viewer sends none but its one answer to the server's sync step 1 (not
 * counted); a view-only editor may let a stray local edit through.
 */
export const VIEWER_WRITE_ALLOWANCE = 3;

/**
 * What becomes of a view connection's frame: `decode` it (not a document message), `drop` it
 * unread and silently, drop it and `deny` (say "read-only"), or `close` the connection.
 */
export type ViewerVerdict = 'decode' | 'drop' | 'deny' | 'close';

/**
 * A view connection's document messages, told apart by their type bytes and never decoded (a
 * full decode of a 1 MiB update took 160 ms, only for the update to be dropped).
 */
export class ViewerWrites {
  private answered = false;
  private writes = 0;

  /** Judges one frame from the view connection. */
  judge(frame: Uint8Array): ViewerVerdict {
    const peeked = peekDocumentMessage(frame);
    if (!peeked) return 'decode';
    // The first sync step 2 answers the server's step 1: a stock viewer's, holding nothing new.
    if (peeked.kind === 'sync-step2' && !this.answered) {
      this.answered = true;
      return peeked.empty ? 'drop' : 'deny';
    }
    this.writes += 1;
    return this.writes > VIEWER_WRITE_ALLOWANCE ? 'close' : 'deny';
  }
}

/** How long an address that went over a budget gets no fresh bursts. */
const OVER_BUDGET_MEMORY_MS = 60_000;
/** Addresses remembered at most (the oldest are forgotten first), so a botnet costs bounded memory. */
const MAX_REMEMBERED_ADDRESSES = 10_000;

/**
 * Client addresses one of whose connections was just closed for going over a budget (4429,
 * 4403). For a minute their new connections start with one second's worth of each budget, not
 * the whole burst: otherwise every reconnect refills the burst, and a flood closed once a second
 * still gets BYTE_BURST through each time (measured: 8 MiB/s of 256 KiB updates from one
 * reconnecting socket, another room's typing p95 7.9× its quiet value). A stock client never
 * reconnects after those codes, so only people sharing the flooder's address notice it.
 */
export class OverBudgetAddresses {
  private readonly until = new Map<string, number>();

  /** Remembers that `address` went over a budget now. */
  note(address: string): void {
    this.until.delete(address);
    this.until.set(address, Date.now() + OVER_BUDGET_MEMORY_MS);
    if (this.until.size > MAX_REMEMBERED_ADDRESSES) {
      const oldest = this.until.keys().next().value;
      if (oldest !== undefined) this.until.delete(oldest);
    }
  }

  /** Whether `address` went over a budget within the last minute. */
  has(address: string): boolean {
    const until = this.until.get(address);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.until.delete(address);
    return false;
  }
}
