/**
 * One room's log and history in memory, written the way a storage backend writes them when it
 * compacts with a history planner: for tests and benchmarks of server/history/ without a
 * database. It checks the plan's invariants as it applies it (versions in order, at a stored
 * or planned segment), so a planner that breaks them fails loudly here.
 */
import * as Y from 'yjs';
import type { AuthorRecord, HistoryPieces, HistorySegment, HistoryTail, LogEntry, PlanHistory, VersionRecord } from '../storage';

export class HistoryLog {
  readonly segments: HistorySegment[] = [];
  readonly versions: VersionRecord[] = [];
  readonly checkpoints: { seq: number; data: Uint8Array }[] = [];
  /** The room's folded state (what the snapshot holds), gc on like a live room. */
  private readonly folded = new Y.Doc();
  private log: LogEntry[] = [];
  private nextId = 1;

  /** Appends one log entry. */
  append(data: Uint8Array, meta: { at: number; authors?: AuthorRecord[]; attribution?: Uint8Array | null }): void {
    this.log.push({ id: this.nextId++, data, at: meta.at, authors: meta.authors ?? [], attribution: meta.attribution ?? null });
  }

  /** Folds the log into the snapshot and writes what `plan` makes of it; false when the log is empty and nothing was planned. */
  async compact(plan: PlanHistory): Promise<boolean> {
    const entries = this.log;
    const result = await plan(entries, this.tail());
    this.log = [];
    Y.transact(this.folded, () => {
      for (const entry of entries) Y.applyUpdate(this.folded, entry.data);
    });
    const firstNewSeq = this.lastSeq() + 1;
    result.segments.forEach((segment, index) => this.segments.push({ ...segment, seq: firstNewSeq + index }));
    for (const version of result.versions) {
      const previous = this.versions.at(-1)?.seq ?? 0;
      if (version.seq < previous || version.seq > this.lastSeq()) {
        throw new Error(`version at segment ${version.seq}: out of order (previous ${previous}) or past the last segment ${this.lastSeq()}`);
      }
      this.versions.push(version);
    }
    if (result.checkpoint) this.checkpoints.push({ seq: this.lastSeq(), data: Y.encodeStateAsUpdate(this.folded) });
    return entries.length > 0 || result.versions.length > 0;
  }

  lastSeq(): number {
    return this.segments.at(-1)?.seq ?? 0;
  }

  /** What storage tells the planner before a compaction. */
  tail(): HistoryTail {
    const lastVersion = this.versions.at(-1) ?? null;
    const open = this.segments.filter((segment) => segment.seq > (lastVersion?.seq ?? 0));
    const authors = new Map<string, AuthorRecord>();
    for (const segment of open) for (const author of segment.authors) authors.set(author.id, author);
    const lastSegment = this.segments.at(-1);
    const checkpointSeq = this.checkpoints.at(-1)?.seq ?? 0;
    return {
      lastSeq: this.lastSeq(),
      lastSegment: lastSegment ? withoutBytes(lastSegment) : null,
      lastVersion,
      segmentsSinceCheckpoint: this.lastSeq() - checkpointSeq,
      openSince: open.length === 0 ? null : {
        startedAt: open[0].startedAt,
        inserted: open.reduce((sum, segment) => sum + segment.inserted, 0),
        deleted: open.reduce((sum, segment) => sum + segment.deleted, 0),
        authors: [...authors.values()],
      },
    };
  }

  /** What materialising the state at segment `seq` needs. */
  pieces(seq: number): HistoryPieces {
    const checkpoint = this.checkpoints.findLast((candidate) => candidate.seq <= seq) ?? null;
    return { checkpoint, segments: this.segments.filter((segment) => segment.seq > (checkpoint?.seq ?? 0) && segment.seq <= seq) };
  }

  /** The room's current state, as a live room holds it (gc on). */
  state(): Uint8Array {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(this.folded));
    for (const entry of this.log) Y.applyUpdate(doc, entry.data);
    return Y.encodeStateAsUpdate(doc);
  }
}

function withoutBytes({ data: _data, attribution: _attribution, ...rest }: HistorySegment): HistoryTail['lastSegment'] {
  return rest;
}
