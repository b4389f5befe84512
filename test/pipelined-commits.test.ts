/**
 * Forward once written, acknowledge once flushed, against the real server process: a change
 * reaches the other people as soon as it is written, before the disk has it; a SIGKILL at any
 * point still loses nothing anyone was shown; "Saved" waits for the flush, is never sent when
 * the flush fails (the room gives up, 4504, and the change is stored and saved on reconnect),
 * a comment operation is answered and shown only once flushed, and a power cut (the database as the last completed flush left it) loses nothing a sender
 * was told is saved. SQLite's flush is faulted and imaged at its fdatasync
 * (test/support/flush-faults.ts); PostgreSQL's is checked against a SIGKILL.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import * as Y from 'yjs';
import { CloseCode } from '../lib/protocol/close-codes';
import { LogMessage } from '../server/log-messages';
import { containsAll, uniqueRoom } from './support/clients';
import { describeUnlessSkipped } from './support/describe-when';
import { anchorOf, docWithParagraph } from '../server/testing/comment-text';
import { commentId, openCommentPeer } from './support/comment-peer';
import { copyOfImage, flushedImage } from './support/flush-faults';
import { updateFrame } from './support/frames';
import { createTestSchema, POSTGRES_SKIP_REASON, TEST_DATABASE_URL } from './support/postgres';
import { openRawPeer, type RawPeer } from './support/raw-peer';
import { storedDoc, tempDatabaseUrl, type ServerProcess } from './support/server-process';
import { ROOT } from './support/spawn';
import { connectClientForTest, connectTrackedClientForTest, startServerForTest } from './support/test-scoped';
import { docFromFrames, type TrackedClient } from './support/tracked-client';
import { eventually, sleep } from './support/wait';

const FLUSH_FAULTS = path.join(ROOT, 'test', 'support', 'flush-faults-preload.ts');

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-pipeline-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A control file for flush-faults.ts: write `hold`, `fail` or nothing to it. */
function flushControl(): { file: string; set: (control: 'hold' | 'fail' | '') => void } {
  const file = path.join(tempDir(), 'flush-control');
  const set = (control: string) => fs.writeFileSync(file, control);
  set('');
  return { file, set };
}

/** A raw peer in `room` that asked for the whole document, closed when the test ends. */
async function witnessIn(server: ServerProcess, room: string): Promise<RawPeer> {
  const peer = await openRawPeer(`${server.syncUrl}/${room}`);
  onTestFinished(() => peer.destroy());
  peer.requestDocument();
  return peer;
}

/** A copy of `doc` as it is now, unaffected by later changes or destroy(). */
function copyOf(doc: Y.Doc): Y.Doc {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  return copy;
}

/** Types into `client` every couple of milliseconds until the returned stop is called. */
function keepTyping(text: Y.Text, label: string): () => Promise<void> {
  let typing = true;
  const done = (async () => {
    for (let i = 0; typing; i++) {
      text.insert(text.length, `${label}${i} `);
      // Pacing: a fast typist, so the kill lands between, during and after commits and flushes.
      await sleep(2);
    }
  })();
  return async () => {
    typing = false;
    await done;
  };
}

/** Records the SAVED counts `client` receives from now on. */
function recordAcks(client: TrackedClient): number[] {
  const acks: number[] = [];
  client.onAck = (count) => acks.push(count);
  return acks;
}

describe('pipelined commits (SQLite)', () => {
  it('shows a change to the others once it is written, and tells its sender Saved only once the flush completes', async () => {
    const control = flushControl();
    const server = await startServerForTest({ preloads: [FLUSH_FAULTS], env: { FLUSH_FAULTS_CONTROL: control.file } });
    const room = uniqueRoom('held-flush');
    const typist = await connectTrackedClientForTest(server.syncUrl, room);
    const witness = await witnessIn(server, room);
    await eventually(() => typist.tracker.getState().kind === 'saved', 'the empty document to be saved');
    const acks = recordAcks(typist);

    control.set('hold');
    typist.text.insert(0, 'shown before the disk has it');
    await eventually(() => witness.text.toString() === 'shown before the disk has it', 'the witness to be shown the change');
    // Time passing is the point: while the flush is held, no acknowledgement may arrive.
    await sleep(300);
    expect(acks).toEqual([]);
    expect(typist.tracker.getState().kind).toBe('saving');

    control.set('');
    await eventually(() => typist.tracker.getState().kind === 'saved', 'Saved once the flush completed');
    expect(acks.length).toBeGreaterThan(0);
    expect(await server.stop()).toBe(0);
  });

  it('answers a comment operation ok, and shows its change to anyone, only once it is flushed', async () => {
    const control = flushControl();
    const server = await startServerForTest({ preloads: [FLUSH_FAULTS], env: { FLUSH_FAULTS_CONTROL: control.file } });
    const room = uniqueRoom('held-comment');
    const body = docWithParagraph('Text before the commented words after it.');
    const [alice, bob] = await Promise.all([openCommentPeer(server.syncUrl, room), openCommentPeer(server.syncUrl, room)]);
    onTestFinished(() => [alice, bob].forEach((peer) => peer.destroy()));
    alice.send(updateFrame(Y.encodeStateAsUpdate(body)));
    await Promise.all([alice.snapshot(), bob.snapshot()]);
    await eventually(() => bob.doc.getXmlFragment('default').length > 0, 'bob to be shown the body');

    control.set('hold');
    const quote = { text: 'the commented words', prefix: 'before ', suffix: ' after' };
    const create = { op: 'create', threadId: commentId('t'), commentId: commentId('c'), anchor: anchorOf(body, quote.text), quote, body: 'held' };
    let answer: unknown = null;
    const answered = alice.op(create).then((result) => (answer = result));
    // Time passing is the point: while the flush is held, neither an answer nor the thread may arrive.
    await sleep(400);
    expect(answer).toBeNull();
    expect(bob.threads()[create.threadId]).toBeUndefined();

    control.set('');
    await answered;
    expect(answer).toEqual({ ok: true });
    await eventually(() => bob.threads()[create.threadId]?.comments[0]?.body === 'held', 'bob to be shown the thread');
  });

  it('loses nothing another client was shown when SIGKILLed at random points, flushes held or not', async () => {
    const control = flushControl();
    const databaseUrl = tempDatabaseUrl();
    const room = uniqueRoom('kill-witness');
    let port: number | undefined;
    // The first round never completes a flush: what the witness saw is only written.
    for (const [round, flushes] of [['a', 'hold'], ['b', ''], ['c', '']] as const) {
      control.set(flushes);
      const server = await startServerForTest({ databaseUrl, port, preloads: [FLUSH_FAULTS], env: { FLUSH_FAULTS_CONTROL: control.file } });
      port = server.port;
      const typist = await connectClientForTest(server.syncUrl, room);
      const witness = await witnessIn(server, room);
      const stopTyping = keepTyping(typist.text, round);
      // A random point of the session: the kill lands wherever the write path happens to be.
      await sleep(100 + Math.random() * 400);
      await server.kill();
      await stopTyping();
      const seen = copyOf(witness.doc);
      witness.destroy();
      typist.destroy();

      expect(seen.getText('title').toString(), `round ${round}: the witness saw this round's typing`).toContain(`${round}0 `);
      expect(containsAll(storedDoc(databaseUrl, room), seen), `round ${round}: storage holds all the witness saw`).toBe(true);
    }
  });

  it('never says Saved for a change whose flush failed: the room gives up (4504), and the change is saved on reconnect', async () => {
    const control = flushControl();
    const databaseUrl = tempDatabaseUrl();
    const server = await startServerForTest({ databaseUrl, preloads: [FLUSH_FAULTS], env: { FLUSH_FAULTS_CONTROL: control.file } });
    const room = uniqueRoom('failed-flush');
    const typist = await connectTrackedClientForTest(server.syncUrl, room);
    const witness = await witnessIn(server, room);
    await eventually(() => typist.tracker.getState().kind === 'saved', 'the empty document to be saved');
    const acks = recordAcks(typist);

    control.set('fail');
    typist.text.insert(0, 'the disk failed to flush this');
    expect(await witness.closed()).toBe(CloseCode.STORAGE_UNAVAILABLE);
    expect(acks).toEqual([]);
    expect(server.logs.some((entry) => entry.msg === LogMessage.flushFailed)).toBe(true);

    control.set('');
    // The stock provider reconnects by itself; the room loads afresh from storage and the
    // typist's change is acknowledged once a flush that succeeded covers it.
    await eventually(() => typist.tracker.getState().kind === 'saved', 'Saved after reconnecting');
    expect(await server.stop()).toBe(0);
    expect(storedDoc(databaseUrl, room).getText('title').toString()).toBe('the disk failed to flush this');
  });

  it('loses nothing its sender was told is saved to a power cut: the last flushed image holds every acknowledged change', async () => {
    const images = tempDir();
    const server = await startServerForTest({ preloads: [FLUSH_FAULTS], env: { FLUSH_FAULTS_IMAGES: images } });
    const room = uniqueRoom('power-cut');
    const typist = await connectTrackedClientForTest(server.syncUrl, room);
    const cutAfterAcks = 60 + Math.floor(Math.random() * 200);
    let ackedAtCut = 0;
    const cut = new Promise<void>((resolve) => {
      typist.onAck = (count) => {
        if (count < cutAfterAcks || ackedAtCut) return;
        ackedAtCut = count;
        void server.kill().then(resolve); // the signal goes out synchronously, here
      };
    });
    for (let i = 0; i < 5_000 && !ackedAtCut; i++) {
      typist.text.insert(typist.text.length, `${i % 10}`);
      if (i % 5 === 0) await sleep(1);
    }
    await cut;
    const acked = docFromFrames(typist.sentDocumentFrames, ackedAtCut);
    typist.provider.shouldConnect = false;
    typist.destroy();

    const image = flushedImage(images);
    expect(image).not.toBeNull();
    const afterPowerCut = storedDoc(`sqlite:${copyOfImage(image!, tempDir())}`, room);
    expect(acked.getText('title').length).toBeGreaterThan(50);
    expect(containsAll(afterPowerCut, acked)).toBe(true);
  });
});

describeUnlessSkipped('pipelined commits (PostgreSQL)', TEST_DATABASE_URL ? null : POSTGRES_SKIP_REASON, () => {
  it('loses nothing another client was shown, nor anything acknowledged, when SIGKILLed mid-session', async () => {
    const schema = await createTestSchema('pipeline');
    onTestFinished(() => schema.drop());
    let server = await startServerForTest({ databaseUrl: schema.url });
    const room = uniqueRoom('pg-kill');
    const typist = await connectTrackedClientForTest(server.syncUrl, room);
    const witness = await witnessIn(server, room);
    let acked = 0;
    typist.onAck = (count) => (acked = count);
    const stopTyping = keepTyping(typist.text, 'pg');
    await eventually(() => acked > 20, 'some acknowledgements');
    // A random point past them: the kill lands wherever the write path happens to be.
    await sleep(Math.random() * 300);
    await server.kill();
    await stopTyping();
    const seen = copyOf(witness.doc);
    const saved = docFromFrames(typist.sentDocumentFrames, acked);
    typist.provider.shouldConnect = false;
    typist.destroy();
    witness.destroy();

    server = await startServerForTest({ databaseUrl: schema.url, port: server.port });
    const reader = await connectClientForTest(server.syncUrl, room);
    expect(containsAll(reader.doc, seen)).toBe(true);
    expect(containsAll(reader.doc, saved)).toBe(true);
    expect(await server.stop()).toBe(0);
  });
});
