/**
 * Makes a merged update as compact as the document it describes. `Y.mergeUpdates` keeps every
 * struct as it came: a segment of 260 keystrokes holds 260 one-character items, each with its
 * own id and origins (about 12 bytes apiece in v1), where the document that typed them holds
 * one item. This joins such runs the way Yjs joins items in a document: consecutive items of
 * one client whose clocks follow on, the later one's left origin being the earlier one's last
 * character and both having the same right origin. Integrating the joined item and splitting
 * it where something else points inside it (Yjs splits on demand, recomputing the right part's
 * origin as exactly that last character) gives back the original items, so nothing is lost.
 *
 * Only text (ContentString) and deleted content (ContentDeleted) are joined: nearly all of a
 * document's items, and the two kinds Yjs itself joins in a document whatever their parent.
 */
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';

type Struct = ReturnType<typeof Y.decodeUpdate>['structs'][number];

/** The same update (v1) with runs of keystroke items joined. */
export function joinItemRuns(update: Uint8Array): Uint8Array {
  const { structs, ds } = Y.decodeUpdate(update);
  // Structs come grouped by client, each client's in clock order (how Yjs writes them).
  const byClient: Struct[][] = [];
  for (const struct of structs) {
    const run = byClient.at(-1);
    const last = run?.at(-1);
    if (!run || last!.id.client !== struct.id.client) {
      byClient.push([struct]);
      continue;
    }
    if (!joins(last!, struct)) run.push(struct);
  }
  const encoder = new Y.UpdateEncoderV1();
  encoding.writeVarUint(encoder.restEncoder, byClient.length);
  for (const run of byClient) {
    encoding.writeVarUint(encoder.restEncoder, run.length);
    encoder.writeClient(run[0].id.client);
    encoding.writeVarUint(encoder.restEncoder, run[0].id.clock);
    for (const struct of run) struct.write(encoder, 0);
  }
  // The delete set as Yjs writes it (writeDeleteSet, through the same encoder's methods).
  encoding.writeVarUint(encoder.restEncoder, ds.clients.size);
  for (const [client, deletes] of ds.clients) {
    encoder.resetDsCurVal();
    encoding.writeVarUint(encoder.restEncoder, client);
    encoding.writeVarUint(encoder.restEncoder, deletes.length);
    for (const { clock, len } of deletes) {
      encoder.writeDsClock(clock);
      encoder.writeDsLen(len);
    }
  }
  return encoder.toUint8Array();
}

/** Appends `next` to `last` when they are one run; whether it did. */
function joins(last: Struct, next: Struct): boolean {
  if (!(last instanceof Y.Item) || !(next instanceof Y.Item)) return false;
  if (next.id.clock !== last.id.clock + last.length) return false;
  const joinable = (last.content instanceof Y.ContentString && next.content instanceof Y.ContentString)
    || (last.content instanceof Y.ContentDeleted && next.content instanceof Y.ContentDeleted);
  if (!joinable || last.parentSub !== null) return false;
  const origin = next.origin;
  if (origin === null || origin.client !== last.id.client || origin.clock !== last.id.clock + last.length - 1) return false;
  const sameRight = last.rightOrigin === null
    ? next.rightOrigin === null
    : next.rightOrigin !== null && next.rightOrigin.client === last.rightOrigin.client && next.rightOrigin.clock === last.rightOrigin.clock;
  if (!sameRight) return false;
  last.content.mergeWith(next.content as never);
  last.length += next.length;
  return true;
}
