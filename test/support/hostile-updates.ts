/**
 * Hand-made Yjs updates no stock client sends, for the document-guard tests: deep nesting,
 * deletions of clocks nobody holds, and updates whose predecessors never arrive.
 */
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';

/** `depth` blockquotes, each inside the last, under `parent`; returns the innermost. */
export function nest(parent: Y.XmlFragment | Y.XmlElement, depth: number): Y.XmlElement {
  let inner = parent;
  for (let level = 0; level < depth; level++) {
    const quote = new Y.XmlElement('blockquote');
    inner.insert(0, [quote]);
    inner = quote;
  }
  return inner as Y.XmlElement;
}

/** A V1 update holding only the deletion of `[clock, clock + length)` of `client`. */
export function deletionOnly(client: number, clock: number, length: number): Uint8Array {
  const encoder = encoding.createEncoder();
  // No structs; a delete set of one client with one range.
  for (const value of [0, 1, client, 1, clock, length]) encoding.writeVarUint(encoder, value);
  return encoding.toUint8Array(encoder);
}

/** An update continuing the title from a point the server never saw: it can never integrate. */
export function danglingUpdate(words: string): Uint8Array {
  const author = new Y.Doc();
  author.getText('title').insert(0, 'never sent ');
  const unseen = Y.encodeStateVector(author);
  author.getText('title').insert(11, words);
  const update = Y.encodeStateAsUpdate(author, unseen);
  author.destroy();
  return update;
}

/** One struct of a hand-written update: an item with a parent or neighbours, holding JSON, a string or a new type. */
export interface HandStruct {
  clock: number;
  origin?: [client: number, clock: number];
  rightOrigin?: [client: number, clock: number];
  /** A root name (when the item has no neighbours)… */
  parentRoot?: string;
  /** …or the item holding the parent type. */
  parentItem?: [client: number, clock: number];
  content: { json: unknown[] } | { text: string } | { arrayType: true };
}

/**
 * A V1 update written by hand, group by group (a client may appear twice, which no Yjs
 * encoder writes), with an optional delete set of `[client, clock, length]` ranges.
 */
export function handWrittenUpdate(groups: { client: number; structs: HandStruct[] }[], deletions: [number, number, number][] = []): Uint8Array {
  const encoder = encoding.createEncoder();
  const id = ([client, clock]: [number, number]) => {
    encoding.writeVarUint(encoder, client);
    encoding.writeVarUint(encoder, clock);
  };
  encoding.writeVarUint(encoder, groups.length);
  for (const { client, structs } of groups) {
    encoding.writeVarUint(encoder, structs.length);
    encoding.writeVarUint(encoder, client);
    encoding.writeVarUint(encoder, structs[0].clock);
    for (const struct of structs) {
      // Content refs: 8 any (JSON), 4 string, 7 type (0: Y.Array); 0x80 origin, 0x40 right origin.
      const content = 'json' in struct.content ? 8 : 'text' in struct.content ? 4 : 7;
      encoding.writeUint8(encoder, content | (struct.origin ? 0x80 : 0) | (struct.rightOrigin ? 0x40 : 0));
      if (struct.origin) id(struct.origin);
      if (struct.rightOrigin) id(struct.rightOrigin);
      if (!struct.origin && !struct.rightOrigin) {
        encoding.writeVarUint(encoder, struct.parentRoot !== undefined ? 1 : 0);
        if (struct.parentRoot !== undefined) encoding.writeVarString(encoder, struct.parentRoot);
        else id(struct.parentItem!);
      }
      if ('json' in struct.content) {
        encoding.writeVarUint(encoder, struct.content.json.length);
        for (const value of struct.content.json) encoding.writeAny(encoder, value as never);
      } else if ('text' in struct.content) {
        encoding.writeVarString(encoder, struct.content.text);
      } else {
        encoding.writeVarUint(encoder, 0);
      }
    }
  }
  const byClient = new Map<number, [number, number][]>();
  for (const [client, clock, length] of deletions) {
    const ranges = byClient.get(client) ?? [];
    ranges.push([clock, length]);
    byClient.set(client, ranges);
  }
  encoding.writeVarUint(encoder, byClient.size);
  for (const [client, ranges] of byClient) {
    encoding.writeVarUint(encoder, client);
    encoding.writeVarUint(encoder, ranges.length);
    for (const [clock, length] of ranges) {
      encoding.writeVarUint(encoder, clock);
      encoding.writeVarUint(encoder, length);
    }
  }
  return encoding.toUint8Array(encoder);
}
