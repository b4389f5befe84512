/**
 * Frame generators for protocol fuzzing (test/protocol-fuzz.test.ts): fast-check arbitraries
 * for random bytes, real y-websocket frames (built with y-protocols / lib0 from real Yjs
 * documents) put through byte-level and structural mutations, and well-formed frames of types
 * a client must not send. Pure: no sockets. Everything is derived from fast-check's seed, so a
 * (seed, index) pair names one frame exactly.
 */
import fc from 'fast-check';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { MessageType, SyncMessageType } from '../../lib/protocol/sync-protocol';
import { encodePermissionDenied, encodeSaved } from '../../server/protocol';

export type FrameFamily = 'random' | 'random-body' | 'valid' | 'mutated' | 'unknown-type';

export interface FuzzFrame {
  family: FrameFamily;
  bytes: Uint8Array;
}

/** Bytes as `[0x00,0x01,…]`, pasteable into a regression test. */
export function toHex(bytes: Uint8Array, limit = 4096): string {
  const shown = Array.from(bytes.subarray(0, limit), (byte) => `0x${byte.toString(16).padStart(2, '0')}`);
  return `[${shown.join(',')}${bytes.length > limit ? `,… (${bytes.length} bytes)` : ''}]`;
}

/**
 * `length` pseudo-random bytes from `seed` (mulberry32). fast-check picks the seed and the
 * length; filling kilobytes byte by byte through fast-check would dominate the run time.
 */
function seededBytes(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (t ^ (t >>> 14)) & 0xff;
  }
  return out;
}

const byteLength = (max: number) =>
  fc.oneof({ arbitrary: fc.nat({ max: 8 }), weight: 3 }, { arbitrary: fc.nat({ max: 64 }), weight: 3 }, fc.nat({ max }));

/** Random bytes of a random length (0 to `max`), biased towards short frames. */
const randomBytes = (max: number) =>
  fc.record({ length: byteLength(max), seed: fc.integer() }).map(({ length, seed }) => seededBytes(seed, length));

function frame(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  write(encoder);
  return encoding.toUint8Array(encoder);
}

// ---- real Yjs documents -------------------------------------------------------------------

/** Awkward characters: multi-byte, astral, a lone surrogate, NUL, zero-width. */
const awkwardCharacter = fc.constantFrom('é', '中', '😀', '\u{10ffff}', '\ud800', '\u0000', '\u200b', '"', '\\');
const smallText = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: awkwardCharacter, maxLength: 6 }));
const jsonish = fc.oneof(
  { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 4 },
  fc.uint8Array({ maxLength: 8 }),
);

/** One edit to a document; positions are taken modulo the current length. */
type Edit =
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'format'; at: number; length: number; bold: boolean }
  | { kind: 'embed'; at: number; value: { [key: string]: unknown } }
  | { kind: 'map-set'; key: string; value: unknown }
  | { kind: 'map-delete'; key: string }
  | { kind: 'array-insert'; at: number; values: unknown[] }
  | { kind: 'array-delete'; at: number }
  | { kind: 'nested'; key: string; type: 'map' | 'array' | 'text' }
  | { kind: 'xml'; tag: string; text: string }
  | { kind: 'subdoc'; key: string };

const editArbitrary: fc.Arbitrary<Edit> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: smallText }), weight: 5 },
  { arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.nat({ max: 6 }) }), weight: 2 },
  fc.record({ kind: fc.constant('format' as const), at: fc.nat(), length: fc.nat({ max: 6 }), bold: fc.boolean() }),
  fc.record({ kind: fc.constant('embed' as const), at: fc.nat(), value: fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }) }),
  { arbitrary: fc.record({ kind: fc.constant('map-set' as const), key: fc.string({ maxLength: 6 }), value: jsonish }), weight: 2 },
  fc.record({ kind: fc.constant('map-delete' as const), key: fc.string({ maxLength: 6 }) }),
  fc.record({ kind: fc.constant('array-insert' as const), at: fc.nat(), values: fc.array(jsonish, { maxLength: 3 }) }),
  fc.record({ kind: fc.constant('array-delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('nested' as const), key: fc.string({ maxLength: 4 }), type: fc.constantFrom('map' as const, 'array' as const, 'text' as const) }),
  fc.record({ kind: fc.constant('xml' as const), tag: fc.constantFrom('p', 'h1', 'li', 'x-y'), text: smallText }),
  fc.record({ kind: fc.constant('subdoc' as const), key: fc.string({ maxLength: 4 }) }),
);

function applyEdit(doc: Y.Doc, edit: Edit): void {
  const text = doc.getText('title');
  const map = doc.getMap('map');
  const array = doc.getArray('array');
  const at = (position: number, length: number) => position % (length + 1);
  switch (edit.kind) {
    case 'insert':
      text.insert(at(edit.at, text.length), edit.text);
      break;
    case 'delete': {
      const from = at(edit.at, text.length);
      text.delete(from, Math.min(edit.length, text.length - from));
      break;
    }
    case 'format': {
      const from = at(edit.at, text.length);
      text.format(from, Math.min(edit.length, text.length - from), { bold: edit.bold ? true : null });
      break;
    }
    case 'embed':
      text.insertEmbed(at(edit.at, text.length), edit.value);
      break;
    case 'map-set':
      map.set(edit.key, edit.value);
      break;
    case 'map-delete':
      map.delete(edit.key);
      break;
    case 'array-insert':
      array.insert(at(edit.at, array.length), edit.values);
      break;
    case 'array-delete':
      if (array.length > 0) array.delete(edit.at % array.length, 1);
      break;
    case 'nested': {
      const nested = edit.type === 'map' ? new Y.Map() : edit.type === 'array' ? new Y.Array() : new Y.Text();
      map.set(edit.key, nested);
      if (nested instanceof Y.Map) nested.set('k', 1);
      else if (nested instanceof Y.Array) nested.push(['v']);
      else nested.insert(0, 'nested');
      break;
    }
    case 'xml': {
      const element = new Y.XmlElement(edit.tag);
      element.setAttribute('class', 'c');
      element.insert(0, [new Y.XmlText(edit.text)]);
      doc.getXmlFragment('prosemirror').push([element]);
      break;
    }
    case 'subdoc':
      map.set(edit.key, new Y.Doc({ guid: `sub-${edit.key}` }));
      break;
  }
}

type UpdateShape = 'full' | 'diff' | 'last-transaction' | 'merged' | 'v2-as-v1';

interface DocumentRecipe {
  clientID: number;
  gc: boolean;
  edits: Edit[];
  /** Edits applied before the state the update is taken from (for `diff`). */
  split: number;
  shape: UpdateShape;
}

const clientId = fc.oneof({ arbitrary: fc.nat({ max: 20 }), weight: 2 }, fc.nat({ max: 2 ** 32 - 1 }), fc.maxSafeNat());

const documentRecipe: fc.Arbitrary<DocumentRecipe> = fc.record({
  clientID: clientId,
  gc: fc.boolean(),
  edits: fc.array(editArbitrary, { minLength: 0, maxLength: 5 }),
  split: fc.nat({ max: 5 }),
  shape: fc.constantFrom<UpdateShape>('full', 'full', 'diff', 'last-transaction', 'merged', 'v2-as-v1'),
});

/** A real Yjs update from a real document, in one of several shapes (`v2-as-v1`: a v2 update where v1 belongs). */
function buildUpdate(recipe: DocumentRecipe): { doc: Y.Doc; update: Uint8Array } {
  // A fixed guid: Y.Doc would otherwise draw a crypto-random uuid per frame.
  const doc = new Y.Doc({ gc: recipe.gc, guid: 'fuzz' });
  doc.clientID = recipe.clientID;
  const split = Math.min(recipe.split, recipe.edits.length);
  const partials: Uint8Array[] = [];
  let last: Uint8Array = Y.encodeStateAsUpdate(doc);
  doc.on('update', (update: Uint8Array) => {
    last = update;
    partials.push(update);
  });
  recipe.edits.slice(0, split).forEach((edit) => applyEdit(doc, edit));
  const stateVector = Y.encodeStateVector(doc);
  recipe.edits.slice(split).forEach((edit) => applyEdit(doc, edit));
  let update: Uint8Array;
  switch (recipe.shape) {
    case 'full':
      update = Y.encodeStateAsUpdate(doc);
      break;
    case 'diff':
      update = Y.encodeStateAsUpdate(doc, stateVector);
      break;
    case 'last-transaction':
      update = last;
      break;
    case 'merged':
      update = partials.length > 0 ? Y.mergeUpdates(partials.slice(-3)) : last;
      break;
    case 'v2-as-v1':
      update = Y.encodeStateAsUpdateV2(doc);
      break;
  }
  return { doc, update };
}

// ---- valid y-websocket frames -------------------------------------------------------------

const stateVectorEntries = fc.array(fc.tuple(clientId, fc.oneof(fc.nat({ max: 1000 }), fc.maxSafeNat())), { maxLength: 4 });

const awarenessState = fc.oneof(
  fc.constant(null),
  fc.record({ user: fc.record({ name: fc.string({ maxLength: 10 }), color: fc.constantFrom('#f00', '#0a0') }), cursor: fc.constant(null) }),
  fc.jsonValue({ maxDepth: 3 }),
);

const awarenessEntries = fc.array(
  fc.record({ clientID: clientId, clock: fc.oneof(fc.nat({ max: 10 }), fc.maxSafeNat()), state: awarenessState }),
  { maxLength: 3 },
);

/** Awareness update payload exactly as y-protocols' encodeAwarenessUpdate lays it out. */
function awarenessPayload(entries: { clientID: number; clock: number; state: unknown }[]): Uint8Array {
  return frame((encoder) => {
    encoding.writeVarUint(encoder, entries.length);
    for (const { clientID, clock, state } of entries) {
      encoding.writeVarUint(encoder, clientID);
      encoding.writeVarUint(encoder, clock);
      encoding.writeVarString(encoder, JSON.stringify(state));
    }
  });
}

/** A well-formed client frame of every kind the server accepts. */
export const validFrame: fc.Arbitrary<Uint8Array> = fc.oneof(
  // sync step 1 with a real state vector
  documentRecipe.map((recipe) => {
    const { doc } = buildUpdate(recipe);
    const bytes = frame((encoder) => {
      encoding.writeVarUint(encoder, MessageType.SYNC);
      syncProtocol.writeSyncStep1(encoder, doc);
    });
    doc.destroy();
    return bytes;
  }),
  // sync step 1 with an arbitrary (possibly absurd) state vector
  stateVectorEntries.map((entries) =>
    frame((encoder) => {
      encoding.writeVarUint(encoder, MessageType.SYNC);
      encoding.writeVarUint(encoder, SyncMessageType.STEP1);
      encoding.writeVarUint8Array(encoder, frame((sv) => {
        encoding.writeVarUint(sv, entries.length);
        for (const [client, clock] of entries) {
          encoding.writeVarUint(sv, client);
          encoding.writeVarUint(sv, clock);
        }
      }));
    }),
  ),
  // sync step 2 / update with a real update
  { arbitrary: fc.tuple(documentRecipe, fc.boolean()).map(([recipe, asStep2]) => {
    const { doc, update } = buildUpdate(recipe);
    doc.destroy();
    return frame((encoder) => {
      encoding.writeVarUint(encoder, MessageType.SYNC);
      if (asStep2) {
        encoding.writeVarUint(encoder, SyncMessageType.STEP2);
        encoding.writeVarUint8Array(encoder, update);
      } else {
        syncProtocol.writeUpdate(encoder, update);
      }
    });
  }), weight: 4 },
  // awareness with JSON states
  { arbitrary: awarenessEntries.map((entries) =>
    frame((encoder) => {
      encoding.writeVarUint(encoder, MessageType.AWARENESS);
      encoding.writeVarUint8Array(encoder, awarenessPayload(entries));
    }),
  ), weight: 2 },
  // query awareness
  fc.constant(Uint8Array.of(MessageType.QUERY_AWARENESS)),
);

// ---- mutations ----------------------------------------------------------------------------

/** Varuint encodings of lengths no frame can satisfy, some beyond what lib0 can even read. */
const hugeVarUint = fc.oneof(
  fc.constantFrom(2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1).map((n) => frame((e) => encoding.writeVarUint(e, n))),
  fc.integer({ min: 2 ** 20, max: 2 ** 53 - 1 }).map((n) => frame((e) => encoding.writeVarUint(e, n))),
  fc.constantFrom(
    Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f),
    Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), // > 2^53
    Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01),
    Uint8Array.of(0xff, 0xff, 0xff), // unterminated
  ),
);

/** Top-level types: y-websocket's, Tandem's server-only 100, and others. */
const messageTypeValue = fc.oneof(
  fc.constantFrom(0, 1, 2, 3, 100),
  fc.integer({ min: 4, max: 99 }),
  fc.integer({ min: 101, max: 0x3fff }),
  fc.maxSafeNat(),
);

type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set-byte'; at: number; value: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; count: number }
  | { op: 'truncate'; keep: number }
  | { op: 'extend'; bytes: Uint8Array }
  | { op: 'huge-length'; field: 'frame' | 'payload'; value: Uint8Array }
  | { op: 'set-type'; value: number }
  | { op: 'set-sync-type'; value: number }
  | { op: 'duplicate' };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }), weight: 4 },
  fc.record({ op: fc.constant('set-byte' as const), at: fc.nat(), value: fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0xff) }),
  { arbitrary: fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: randomBytes(8) }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('truncate' as const), keep: fc.nat() }), weight: 2 },
  fc.record({ op: fc.constant('extend' as const), bytes: randomBytes(64) }),
  { arbitrary: fc.record({ op: fc.constant('huge-length' as const), field: fc.constantFrom('frame' as const, 'payload' as const), value: hugeVarUint }), weight: 2 },
  fc.record({ op: fc.constant('set-type' as const), value: messageTypeValue }),
  fc.record({ op: fc.constant('set-sync-type' as const), value: fc.oneof(fc.constantFrom(0, 1, 2, 3, 100), fc.nat({ max: 300 })) }),
  fc.record({ op: fc.constant('duplicate' as const) }),
);

/** Byte length of the varuint at `offset` (to the end if it never terminates). */
function varUintLength(bytes: Uint8Array, offset: number): number {
  let end = offset;
  while (end < bytes.length && bytes[end] >= 0x80) end++;
  return Math.min(end + 1, bytes.length) - offset;
}

function splice(bytes: Uint8Array, at: number, remove: number, insert: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(bytes.length - remove + insert.length);
  out.set(bytes.subarray(0, at), 0);
  out.set(insert, at);
  out.set(bytes.subarray(at + remove), at + insert.length);
  return out;
}

/** Where the top-level fields of a (possibly damaged) frame start, as far as they parse. */
function fieldOffsets(bytes: Uint8Array): { type: number; syncType?: number; length?: number; payload?: number } {
  const offsets: { type: number; syncType?: number; length?: number; payload?: number } = { type: 0 };
  try {
    const decoder = decoding.createDecoder(bytes);
    const type = decoding.readVarUint(decoder);
    if (type === MessageType.SYNC) {
      offsets.syncType = decoder.pos;
      decoding.readVarUint(decoder);
    }
    offsets.length = decoder.pos;
    decoding.readVarUint(decoder);
    offsets.payload = decoder.pos;
  } catch {
    // A damaged header: mutate what was found.
  }
  return offsets;
}

function replaceVarUint(bytes: Uint8Array, offset: number | undefined, value: Uint8Array): Uint8Array {
  if (offset === undefined || offset > bytes.length) return bytes;
  const length = offset === bytes.length ? 0 : varUintLength(bytes, offset);
  return splice(bytes, offset, length, value);
}

function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  const position = (at: number, extra = 0) => at % (bytes.length + extra || 1);
  switch (m.op) {
    case 'flip': {
      if (bytes.length === 0) return bytes;
      const out = bytes.slice();
      out[position(m.at)] ^= 1 << m.bit;
      return out;
    }
    case 'set-byte': {
      if (bytes.length === 0) return bytes;
      const out = bytes.slice();
      out[position(m.at)] = m.value;
      return out;
    }
    case 'insert':
      return splice(bytes, position(m.at, 1), 0, m.bytes);
    case 'delete': {
      const at = position(m.at);
      return splice(bytes, at, Math.min(m.count, bytes.length - at));
    }
    case 'truncate':
      return bytes.subarray(0, position(m.keep));
    case 'extend':
      return splice(bytes, bytes.length, 0, m.bytes);
    case 'huge-length': {
      const offsets = fieldOffsets(bytes);
      return replaceVarUint(bytes, m.field === 'frame' ? offsets.length : offsets.payload, m.value);
    }
    case 'set-type':
      return replaceVarUint(bytes, 0, frame((e) => encoding.writeVarUint(e, m.value)));
    case 'set-sync-type':
      return replaceVarUint(bytes, fieldOffsets(bytes).syncType, frame((e) => encoding.writeVarUint(e, m.value)));
    case 'duplicate':
      return splice(bytes, bytes.length, 0, bytes);
  }
}

// ---- the families -------------------------------------------------------------------------

/** (a) Random bytes of random lengths, 0–2 KiB. */
const randomFrame = randomBytes(2048).map((bytes): FuzzFrame => ({ family: 'random', bytes }));

/** (a') Random bytes behind a real header, so the garbage reaches the Yjs / awareness decoders. */
const randomBodyFrame = fc
  .tuple(
    fc.constantFrom(
      [MessageType.SYNC, SyncMessageType.STEP1],
      [MessageType.SYNC, SyncMessageType.STEP2],
      [MessageType.SYNC, SyncMessageType.UPDATE],
      [MessageType.AWARENESS],
    ),
    randomBytes(2040),
    fc.boolean(),
  )
  .map(([header, body, withLength]): FuzzFrame => ({
    family: 'random-body',
    bytes: frame((encoder) => {
      for (const field of header) encoding.writeVarUint(encoder, field);
      if (withLength) encoding.writeVarUint8Array(encoder, body);
      else encoding.writeUint8Array(encoder, body);
    }),
  }));

/** (b) Valid frames, then one to four mutations (the unmutated share is the `valid` family). */
const mutatedFrame = fc
  .tuple(validFrame, fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([bytes, mutations]): FuzzFrame => ({ family: 'mutated', bytes: mutations.reduce(mutate, bytes) }));

const unmutatedFrame = validFrame.map((bytes): FuzzFrame => ({ family: 'valid', bytes }));

/** (c) Well-formed frames of types a client must not send. */
const unknownTypeFrame = fc
  .oneof(
    // Tandem's own server → client frames, echoed back by a client.
    fc.oneof(fc.nat(), fc.maxSafeNat()).map((count) => encodeSaved(count)),
    smallText.map((reason) => encodePermissionDenied(reason)),
    // A valid body behind an unknown (or client-forbidden) top-level type.
    fc.tuple(validFrame, messageTypeValue.filter((t) => t !== 0 && t !== 1 && t !== 3)).map(([bytes, type]) =>
      mutate(bytes, { op: 'set-type', value: type }),
    ),
    // A valid sync payload behind an unknown sync sub-type.
    fc.tuple(documentRecipe, fc.oneof(fc.integer({ min: 3, max: 127 }), fc.integer({ min: 128, max: Number.MAX_SAFE_INTEGER }))).map(([recipe, syncType]) => {
      const { doc, update } = buildUpdate(recipe);
      doc.destroy();
      return frame((encoder) => {
        encoding.writeVarUint(encoder, MessageType.SYNC);
        encoding.writeVarUint(encoder, syncType);
        encoding.writeVarUint8Array(encoder, update);
      });
    }),
  )
  .map((bytes): FuzzFrame => ({ family: 'unknown-type', bytes }));

export const fuzzFrame: fc.Arbitrary<FuzzFrame> = fc.oneof(
  { arbitrary: randomFrame, weight: 25 },
  { arbitrary: randomBodyFrame, weight: 15 },
  { arbitrary: mutatedFrame, weight: 45 },
  { arbitrary: unmutatedFrame, weight: 5 },
  { arbitrary: unknownTypeFrame, weight: 10 },
);

/**
 * `total` frames, generated lazily in batches of `batchSize` so memory stays flat. Batch `b`
 * is `fc.sample(fuzzFrame, { seed: seed + b })`: frame `i` is reproducible from (seed, i).
 */
export function* lazyFrames(seed: number, total: number, batchSize = 500): Generator<FuzzFrame & { index: number }> {
  for (let start = 0; start < total; start += batchSize) {
    const batch = fc.sample(fuzzFrame, { seed: (seed + start / batchSize) | 0, numRuns: Math.min(batchSize, total - start) });
    for (let i = 0; i < batch.length; i++) yield { ...batch[i], index: start + i };
  }
}
