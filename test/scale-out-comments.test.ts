/**
 * Comment threads across two instances (real PostgreSQL and Redis): a comment made on one
 * reaches a client of the same room on the other, as a stored change, and one instance's
 * operations see the threads the other stored; the thread's mark on the text reaches the other
 * instance's editors too. Runs when TEST_DATABASE_URL and TEST_REDIS_URL
 * are set (CI sets both).
 */
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import * as Y from 'yjs';
import { commentMarkKey } from '../lib/protocol/comments';
import { anchorOf, docWithParagraph, textMarkedWith } from '../server/testing/comment-text';
import { uniqueRoom } from './support/clients';
import { SCALE_SKIP_REASON, startCluster, type Cluster } from './support/cluster';
import { commentId, openCommentPeer } from './support/comment-peer';
import { describeUnlessSkipped } from './support/describe-when';
import { updateFrame } from './support/frames';
import { eventually } from './support/wait';

describeUnlessSkipped('comment threads across instances', SCALE_SKIP_REASON, () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster(2);
  }, 60_000);
  afterAll(async () => {
    await cluster?.close();
  });

  async function peerOn(i: number, room: string) {
    const peer = await openCommentPeer(cluster.instanceSyncUrl(i), room);
    onTestFinished(() => peer.destroy());
    await peer.snapshot();
    return peer;
  }

  it('a comment made on one instance reaches a client on the other, and replies go back', async () => {
    const room = uniqueRoom('scale-comments');
    const [alice, bob] = await Promise.all([peerOn(0, room), peerOn(1, room)]);
    const threadId = commentId('t');
    const body = docWithParagraph('Comment here, please.');
    alice.send(updateFrame(Y.encodeStateAsUpdate(body)));
    const anchor = anchorOf(body, 'here');
    const create = { op: 'create', threadId, commentId: commentId(), anchor, quote: { text: 'here', prefix: '', suffix: '' }, body: 'from instance 0' };
    expect(await alice.op(create)).toEqual({ ok: true });
    await eventually(() => textMarkedWith(bob.doc, commentMarkKey(threadId)).join('') === 'here', "the thread's mark to reach instance 1");
    await eventually(() => bob.threads()[threadId]?.comments[0]?.body === 'from instance 0', 'the thread to reach instance 1');
    // Instance 1 knows the thread: a reply there is accepted and comes back to instance 0.
    expect(await bob.op({ op: 'reply', threadId, commentId: commentId(), body: 'from instance 1' })).toEqual({ ok: true });
    await eventually(() => alice.threads()[threadId]?.comments.length === 2, 'the reply to reach instance 0');
    expect(alice.threads()).toEqual(bob.threads());
  });
});
