import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { AuthorRecord, LogEntry } from '../storage';
import { HistoryLog } from '../testing/history-log';
import { attributeDeletions, decodeAttribution } from './attribution';
import { createHistoryPlanner } from './planner';

const MINUTE = 60_000;
const alice: AuthorRecord = { id: 'alice', name: 'Alice', color: '#111111' };
const bob: AuthorRecord = { id: 'bob', name: 'Bob', color: '#222222' };

/** A typist whose every keystroke is one log entry, at a time the test chooses. */
class Typist {
  readonly doc = new Y.Doc();
  constructor(private readonly log: HistoryLog, private readonly author: AuthorRecord = alice) {}

  type(at: number, text: string, author = this.author): void {
    const update = this.capture(() => this.doc.getText('title').insert(this.doc.getText('title').length, text));
    this.log.append(update, { at, authors: [author] });
  }

  erase(at: number, count: number, author = this.author): void {
    const title = this.doc.getText('title');
    const update = this.capture(() => title.delete(title.length - count, count));
    this.log.append(update, { at, authors: [author], attribution: attributeDeletions([{ authorId: author.id, ds: Y.decodeUpdate(update).ds }]) });
  }

  private capture(edit: () => void): Uint8Array {
    let update: Uint8Array | null = null;
    const listen = (u: Uint8Array) => (update = u);
    this.doc.on('update', listen);
    edit();
    this.doc.off('update', listen);
    return update!;
  }
}

function setup(options: { checkpointEvery?: number } = {}) {
  let now = 0;
  let ids = 0;
  const planner = createHistoryPlanner({ now: () => now, newVersionId: () => `v${ids++}`, ...options });
  const log = new HistoryLog();
  return { planner, log, typist: new Typist(log), setNow: (at: number) => (now = at) };
}

describe('the history planner', () => {
  it('ends a version at each pause and leaves the last stretch open until a pause follows it', async () => {
    const { planner, log, typist, setNow } = setup();
    typist.type(1 * MINUTE, 'a');
    typist.type(2 * MINUTE, 'b');
    typist.type(10 * MINUTE, 'c'); // 8 minutes later: the first stretch ended at 2 min
    typist.type(11 * MINUTE, 'd');
    setNow(12 * MINUTE);
    await log.compact(planner);
    expect(log.segments.map((s) => [s.firstId, s.lastId, s.startedAt, s.endedAt])).toEqual([[1, 2, MINUTE, 2 * MINUTE], [3, 4, 10 * MINUTE, 11 * MINUTE]]);
    expect(log.versions.map((v) => [v.kind, v.seq, v.createdAt, v.inserted])).toEqual([['auto', 1, 2 * MINUTE, 2]]);

    // Nothing new, but the pause has come: a compaction now ends the open stretch.
    setNow(16 * MINUTE);
    await log.compact(planner);
    expect(log.versions.map((v) => [v.seq, v.createdAt, v.inserted])).toEqual([[1, 2 * MINUTE, 2], [2, 11 * MINUTE, 2]]);
    expect(log.segments).toHaveLength(2);
  });

  it('carries an open stretch into the next compaction: its version counts every segment of it', async () => {
    const { planner, log, typist, setNow } = setup();
    typist.type(1 * MINUTE, 'abc');
    setNow(2 * MINUTE);
    await log.compact(planner);
    expect(log.versions).toEqual([]);
    typist.type(3 * MINUTE, 'de', { ...bob, name: 'Robert' });
    typist.type(4 * MINUTE, 'f', alice);
    setNow(5 * MINUTE);
    await log.compact(planner);
    typist.erase(6 * MINUTE, 2, bob);
    setNow(20 * MINUTE);
    await log.compact(planner);
    expect(log.segments).toHaveLength(3);
    expect(log.versions).toHaveLength(1);
    const [version] = log.versions;
    expect([version.seq, version.inserted, version.deleted, version.createdAt]).toEqual([3, 6, 2, 6 * MINUTE]);
    // Bob last wrote as Bob (newest name wins); first seen order kept.
    expect(version.authors).toEqual([alice, bob]);
  });

  it('ends an open stretch at the stored segment when the next entry comes after a pause', async () => {
    const { planner, log, typist, setNow } = setup();
    typist.type(1 * MINUTE, 'abc');
    setNow(2 * MINUTE);
    await log.compact(planner);
    typist.type(30 * MINUTE, 'd');
    setNow(31 * MINUTE);
    await log.compact(planner);
    expect(log.versions.map((v) => [v.seq, v.createdAt, v.inserted])).toEqual([[1, 1 * MINUTE, 3]]);
    expect(log.tail().openSince).toEqual({ startedAt: 30 * MINUTE, inserted: 1, deleted: 0, authors: [alice] });
  });

  it('makes a version at least every 30 minutes of continuous editing', async () => {
    const { planner, log, typist, setNow } = setup();
    for (let minute = 0; minute <= 70; minute++) typist.type(minute * MINUTE + 1, 'x');
    setNow(71 * MINUTE);
    await log.compact(planner);
    // Stretches of minutes 0–30, 31–61, then 62–70 still open.
    expect(log.versions.map((v) => [v.createdAt, v.inserted])).toEqual([[30 * MINUTE + 1, 31], [61 * MINUTE + 1, 31]]);
    expect(log.segments.map((s) => s.endedAt - s.startedAt).every((span) => span <= 30 * MINUTE)).toBe(true);
  });

  it('puts a named version exactly at the head, mid-stretch, ending the open stretch instead of an auto version', async () => {
    const { planner, log, typist, setNow } = setup();
    typist.type(1 * MINUTE, 'ab');
    setNow(2 * MINUTE);
    await log.compact(planner);
    typist.type(3 * MINUTE, 'c');
    setNow(3 * MINUTE + 500);
    await log.compact(planner.cutNow({ kind: 'named', name: 'Draft 1' }));
    expect(log.versions.map((v) => [v.kind, v.name, v.seq, v.createdAt, v.inserted])).toEqual([['named', 'Draft 1', 2, 3 * MINUTE + 500, 3]]);

    // Nothing to fold: the cut lands on the newest stored segment, with nothing new in it.
    setNow(4 * MINUTE);
    await log.compact(planner.cutNow({ kind: 'pre-restore' }));
    typist.type(4 * MINUTE, 'd');
    setNow(4 * MINUTE + 1);
    await log.compact(planner.cutNow({ kind: 'restore', restoredFrom: 'v0' }));
    expect(log.versions.slice(1).map((v) => [v.kind, v.seq, v.inserted, v.restoredFrom])).toEqual([['pre-restore', 2, 0, null], ['restore', 3, 1, 'v0']]);
    // And a later pause adds no auto version over the cut.
    setNow(60 * MINUTE);
    await log.compact(planner);
    expect(log.versions).toHaveLength(3);
  });

  it('gives entries stored before times were kept (at = 0) their neighbours\' time', async () => {
    const { planner } = setup();
    const entry = (id: number, at: number): LogEntry => ({ id, at, data: Y.encodeStateAsUpdate(new Y.Doc()), authors: [], attribution: null });
    const tail = { lastSeq: 0, lastSegment: null, lastVersion: null, segmentsSinceCheckpoint: 0, openSince: null };
    const plan = await planner([entry(1, 0), entry(2, 0), entry(3, 20 * MINUTE), entry(4, 0), entry(5, 21 * MINUTE)], tail);
    expect(plan.segments.map((s) => [s.firstId, s.lastId, s.startedAt, s.endedAt])).toEqual([[1, 5, 20 * MINUTE, 21 * MINUTE]]);
  });

  it('merges a segment\'s entries losslessly, with their attribution', async () => {
    const { planner, log, typist, setNow } = setup();
    typist.type(1_000, 'hello');
    typist.erase(2_000, 2, bob);
    typist.type(3_000, 'p');
    setNow(3 * MINUTE);
    await log.compact(planner);
    const [segment] = log.segments;
    const doc = new Y.Doc();
    Y.applyUpdate(doc, segment.data);
    expect(doc.getText('title').toString()).toBe('help');
    expect([...decodeAttribution(segment.attribution!).keys()]).toEqual(['bob']);
    expect([segment.inserted, segment.deleted]).toEqual([4, 0]); // "lo" typed and erased inside the segment
  });

  it('asks for a checkpoint once 50 segments follow the last', async () => {
    const { planner, log, typist, setNow } = setup({ checkpointEvery: 3 });
    const compactions: boolean[] = [];
    for (let i = 0; i < 7; i++) {
      typist.type(i * 10 * MINUTE, 'x');
      setNow(i * 10 * MINUTE + 1);
      await log.compact(planner);
      compactions.push(log.checkpoints.length > 0 && log.checkpoints.at(-1)!.seq === log.lastSeq());
    }
    expect(compactions).toEqual([false, false, true, false, false, true, false]);
  });
});
