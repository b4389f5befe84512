/**
 * What the server lets into a live document beyond "Yjs can decode it": content only under the
 * root names the app uses, types nested no deeper than a bound, a bounded number of structs,
 * and nothing that waits for changes the server never received. Each rule closes a way for one
 * client to break a document for everyone else (security review H2, H3, H4, H5, H10):
 * - many root names make Yjs' encoder quadratic (it scans every root per struct);
 * - deep nesting overflows the stack of everything recursive (rendering, delete, toString);
 * - millions of tiny structs cost gigabytes and stall the event loop on load and compaction;
 * - "pending" structs and deletes (whose dependencies never arrive) would be stored, served to
 *   everyone and sent back on every reconnect, or delete what another client types later.
 * Checks run against the doc the update is about to be applied to, before it is applied, so a
 * refused update changes nothing.
 * (Past 300 lines because each rule walks Yjs' struct encoding its own way, and the load-time
 * repair must apply exactly the same rules; they are kept together so they cannot drift.)
 */
import * as Y from 'yjs';

export interface DocumentLimits {
  /** Root names content may live under (Tandem: `default`, the body, and `title`). */
  rootNames: ReadonlySet<string>;
  /** Deepest nesting of types: a root's children are at depth 1. */
  maxNestingDepth: number;
  /** Most structs the document may hold. */
  maxStructs: number;
  /** Longest the title (the Y.Text `titleRootName`) may grow, in UTF-16 code units; 0: no cap. */
  maxTitleLength: number;
  titleRootName: string;
}

/** Why an update is refused; `reason` is the `tandem_rejected_total` label. */
export interface GuardRefusal {
  reason: 'unknown_root' | 'too_deep' | 'too_many_structs' | 'invalid_update' | 'title_too_long';
  detail: string;
}

/** An update as `Y.decodeUpdate` returns it. */
export type DecodedUpdate = ReturnType<typeof Y.decodeUpdate>;

type Struct = DecodedUpdate['structs'][number];
/** A top-level type of a doc, as `doc.share` holds it. */
type RootType = NonNullable<ReturnType<Y.Doc['share']['get']>>;

/** Structs (items and tombstones) the document holds now. */
export function countStructs(doc: Y.Doc): number {
  let count = 0;
  for (const structs of doc.store.clients.values()) count += structs.length;
  return count;
}

/** The verdict on one update: refused, or how many structs it adds at most. */
export type UpdateCheck = { refusal: GuardRefusal } | { refusal: null; addedStructs: number };

/**
 * Checks `update` against `doc` before it is applied: root names, nesting depth of the types
 * it creates, and the struct cap (given the doc's current `structCount`). What it cannot
 * integrate (missing dependencies) is not checked here; Yjs sets that aside and
 * dropUnresolved() removes it after the apply.
 */
export function checkUpdate(doc: Y.Doc, update: DecodedUpdate, limits: DocumentLimits, structCount: number): UpdateCheck {
  // Every struct, known or not: Yjs' reader defines a root type for each name it meets, even
  // on structs it then skips as already integrated.
  for (const struct of update.structs) {
    if (struct instanceof Y.Item && typeof struct.parent === 'string' && !limits.rootNames.has(struct.parent)) {
      return { refusal: { reason: 'unknown_root', detail: 'content under a root name this server does not serve' } };
    }
  }
  if (!inOneGroupPerClient(update.structs)) {
    // Yjs keeps only one of them; a check reading both could be shown a decoy.
    return { refusal: { reason: 'invalid_update', detail: 'the structs of one client in two groups' } };
  }
  const added = newStructs(doc, update.structs);
  const addedStructs = added.length + splitsOfDocStructs(doc, added, update.ds);
  // Deleting must stay possible in a full document: a deletion that splits a few items off
  // (a word out of a sentence) may pass the cap by a little, never by a flood of splits.
  const allowed = limits.maxStructs + (added.length === 0 ? deletionSlack(limits.maxStructs) : 0);
  if (addedStructs > 0 && structCount + addedStructs > allowed) {
    return { refusal: { reason: 'too_many_structs', detail: `the document would hold more than ${limits.maxStructs} structs` } };
  }
  if (added.length === 0) return { refusal: null, addedStructs };
  const refusal = checkNesting(doc, added, limits.maxNestingDepth) ?? checkTitleLength(doc, added, update.ds, limits);
  return refusal ? { refusal } : { refusal: null, addedStructs };
}

/**
 * The title as it would be after the update is at most `maxTitleLength` long: what it holds,
 * plus what the update inserts into it, minus what it deletes of it. A raw client could
 * otherwise put a megabyte there, shown in every tab, recent-documents list and export.
 */
function checkTitleLength(doc: Y.Doc, added: Struct[], ds: DecodedUpdate['ds'], limits: DocumentLimits): GuardRefusal | null {
  if (limits.maxTitleLength === 0) return null;
  const title = doc.share.get(limits.titleRootName) ?? null;
  const inserted = insertedInto(doc, title, limits.titleRootName, added);
  if (inserted === 0) return null;
  const length = title ? title._length : 0;
  if (length + inserted - (title ? deletedFrom(doc, title, ds) : 0) <= limits.maxTitleLength) return null;
  return { reason: 'title_too_long', detail: `the title would be longer than ${limits.maxTitleLength} characters` };
}

/**
 * Characters (countable units) the update's new items put directly into the root type named
 * `rootName` (held by the doc as `root`, or not yet). An item names its parent, or inherits its
 * left or right neighbour's, which may be in the doc or earlier or later in the update; walked
 * iteratively and memoised like checkNesting().
 */
function insertedInto(doc: Y.Doc, root: RootType | null, rootName: string, added: Struct[]): number {
  const items = added.filter((struct): struct is Y.Item => struct instanceof Y.Item);
  const inUpdate = itemFinder(items);
  const held = (id: Y.ID): boolean => id.clock < Y.getState(doc.store, id.client);
  const inRootOfDoc = (id: Y.ID): boolean => {
    const existing = Y.getItem(doc.store, id) as Y.Item | Y.GC;
    return root !== null && existing instanceof Y.Item && existing.parent === root;
  };
  const memo = new Map<Y.Item, boolean>();
  let total = 0;
  for (const item of items) {
    const path = new Set<Y.Item>();
    let current: Y.Item | null = item;
    let inRoot = false;
    while (current) {
      const known = memo.get(current);
      if (known !== undefined) {
        inRoot = known;
        break;
      }
      if (path.has(current)) break; // a cycle: never integrated
      path.add(current);
      if (held(current.id)) {
        // Only the new part integrates, after the doc's item just before it.
        inRoot = inRootOfDoc(Y.createID(current.id.client, Y.getState(doc.store, current.id.client) - 1));
        break;
      }
      const parent = current.parent as unknown;
      if (typeof parent === 'string') {
        inRoot = parent === rootName;
        break;
      }
      if (parent instanceof Y.ID) break; // inside a nested type, not the root itself
      const neighbour: Y.ID | null = current.origin ?? current.rightOrigin;
      if (!neighbour) break;
      if (held(neighbour)) {
        inRoot = inRootOfDoc(neighbour);
        break;
      }
      current = inUpdate(neighbour);
    }
    for (const visited of path) memo.set(visited, inRoot);
    if (inRoot && item.countable) {
      const newPart = Math.max(0, item.id.clock + item.length - Math.max(item.id.clock, Y.getState(doc.store, item.id.client)));
      total += newPart;
    }
  }
  return total;
}

/** Live characters of `root` that the update's deletions remove. */
function deletedFrom(doc: Y.Doc, root: RootType, ds: DecodedUpdate['ds']): number {
  let deleted = 0;
  for (const [client, ranges] of ds.clients) {
    const structs = doc.store.clients.get(client);
    if (!structs) continue;
    const state = Y.getState(doc.store, client);
    for (const { clock, len } of ranges) {
      const end = Math.min(clock + len, state);
      if (clock >= end) continue;
      for (let index = Y.findIndexSS(structs, clock); index < structs.length && structs[index].id.clock < end; index++) {
        const struct = structs[index];
        if (!(struct instanceof Y.Item) || struct.deleted || !struct.countable || struct.parent !== root) continue;
        deleted += Math.min(end, struct.id.clock + struct.length) - Math.max(clock, struct.id.clock);
      }
    }
  }
  return deleted;
}

/** How far deletions alone may take a document past the struct cap. */
const deletionSlack = (maxStructs: number) => Math.max(1_000, Math.floor(maxStructs / 100));

/**
 * Whether each client's structs come in one group (as every Yjs encoder writes them). Within a
 * group each struct starts where the one before it ended; another group of the same client,
 * even right after the first, starts at a clock of its own.
 */
function inOneGroupPerClient(structs: Struct[]): boolean {
  if (structs.length < 2) return true;
  const seen = new Set<number>();
  let previous: Struct | null = null;
  for (const struct of structs) {
    const { client, clock } = struct.id;
    const continues = previous !== null && previous.id.client === client && previous.id.clock + previous.length === clock;
    if (!continues) {
      if (seen.has(client)) return false;
      seen.add(client);
    }
    previous = struct;
  }
  return true;
}

/**
 * How many structs of the doc applying the update splits in two: a deletion starting or ending
 * inside a live item, an insertion next to a clock inside one. A deletion-only update adds no
 * struct of its own, yet deleting every other character of a long run makes one struct per
 * character.
 */
function splitsOfDocStructs(doc: Y.Doc, added: Struct[], ds: DecodedUpdate['ds']): number {
  let splits = 0;
  const liveStructAt = (client: number, clock: number): Y.Item | null => {
    const structs = doc.store.clients.get(client);
    if (!structs || clock >= Y.getState(doc.store, client)) return null;
    const struct = structs[Y.findIndexSS(structs, clock)];
    return struct instanceof Y.Item && !struct.deleted ? struct : null;
  };
  for (const [client, ranges] of ds.clients) {
    for (const { clock, len } of ranges) {
      const first = liveStructAt(client, clock);
      if (first && first.id.clock < clock) splits++;
      const last = liveStructAt(client, clock + len - 1);
      if (last && last.id.clock + last.length > clock + len) splits++;
    }
  }
  for (const struct of added) {
    if (!(struct instanceof Y.Item)) continue;
    const left = struct.origin && liveStructAt(struct.origin.client, struct.origin.clock);
    if (left && left.id.clock + left.length - 1 > struct.origin!.clock) splits++;
    const right = struct.rightOrigin && liveStructAt(struct.rightOrigin.client, struct.rightOrigin.clock);
    if (right && right.id.clock < struct.rightOrigin!.clock) splits++;
  }
  return splits;
}

/** The structs of an update the doc does not hold yet (all or part of their clock range). */
function newStructs(doc: Y.Doc, structs: Struct[]): Struct[] {
  const known = new Map<number, number>();
  return structs.filter((struct) => {
    if (struct instanceof Y.Skip) return false;
    const { client, clock } = struct.id;
    let state = known.get(client);
    if (state === undefined) known.set(client, (state = Y.getState(doc.store, client)));
    return clock + struct.length > state;
  });
}

/**
 * Depth of every type the update creates: a root's children are at depth 1, their children at
 * 2, and so on. An item names its parent directly (a root name or the item holding the parent
 * type) or, when it has a left or right neighbour, inherits the neighbour's parent; neighbours
 * and parents may be in the doc or earlier or later in the same update, so the walk is
 * iterative and memoised (updates can hold chains of hundreds of thousands of items).
 */
function checkNesting(doc: Y.Doc, added: Struct[], maxDepth: number): GuardRefusal | null {
  // Only a new type can be too deep: an update creating none (every keystroke) needs no walk.
  if (!added.some((struct) => struct instanceof Y.Item && struct.content instanceof Y.ContentType)) return null;
  const items = added.filter((struct): struct is Y.Item => struct instanceof Y.Item);
  const inUpdate = itemFinder(items);
  const held = (id: Y.ID): boolean => id.clock < Y.getState(doc.store, id.client);
  const inDoc = (id: Y.ID): Y.Item | Y.GC => Y.getItem(doc.store, id) as Y.Item | Y.GC;

  const typeDepths = new Map<Y.AbstractType<unknown>, number>();
  /** Depth of the type an item of the doc lives in (0: a root). */
  const containerDepthInDoc = (item: Y.Item): number => typeDepth(item.parent as Y.AbstractType<unknown>, typeDepths);

  /** Depth of the type each new item lives in. */
  const containerDepth = new Map<Y.Item, number>();
  for (const item of items) {
    if (containerDepth.has(item)) continue;
    // Walk towards something whose container depth is known, then assign on the way back.
    const path: { item: Y.Item; step: number }[] = [];
    const onPath = new Set<Y.Item>();
    let current: Y.Item = item;
    let base: number;
    for (;;) {
      const memo = containerDepth.get(current);
      if (memo !== undefined) {
        base = memo;
        break;
      }
      if (onPath.has(current)) {
        // A cycle: Yjs can never integrate it (it stays pending and is dropped after apply).
        base = 0;
        break;
      }
      onPath.add(current);
      if (held(current.id)) {
        // Partly known: Yjs integrates only the new part, linked after the doc's item just
        // before it, into that item's list, whatever parent the struct names.
        const before = inDoc(Y.createID(current.id.client, Y.getState(doc.store, current.id.client) - 1));
        path.push({ item: current, step: 0 });
        base = before instanceof Y.Item ? containerDepthInDoc(before) : 0;
        break;
      }
      const parent = current.parent as unknown;
      if (typeof parent === 'string') {
        path.push({ item: current, step: 0 });
        base = 0;
        break;
      }
      // The parent type is held by another item: one level deeper than that item's container.
      const neighbour = parent instanceof Y.ID ? parent : (current.origin ?? current.rightOrigin);
      const step = parent instanceof Y.ID ? 1 : 0;
      path.push({ item: current, step });
      if (neighbour === null) {
        base = 0;
        break;
      }
      // What the doc already holds wins: the update cannot stand in for it.
      if (!held(neighbour)) {
        const next = inUpdate(neighbour);
        if (next) {
          current = next;
          continue;
        }
        // Missing: Yjs sets the item aside (dropped after the apply). No nesting.
        base = 0;
        break;
      }
      const existing = inDoc(neighbour);
      if (existing instanceof Y.Item && (!(parent instanceof Y.ID) || existing.content instanceof Y.ContentType)) {
        base = containerDepthInDoc(existing);
        break;
      }
      // Collected, or a parent that holds no type (deleted meanwhile): Yjs collects the new item too.
      base = 0;
      break;
    }
    let depth = base;
    for (let i = path.length - 1; i >= 0; i--) {
      depth += path[i].step;
      containerDepth.set(path[i].item, depth);
    }
  }
  for (const [item, depth] of containerDepth) {
    if (item.content instanceof Y.ContentType && depth + 1 > maxDepth) {
      return { reason: 'too_deep', detail: `types nested deeper than ${maxDepth} levels` };
    }
  }
  return null;
}

/** Depth of a type of the doc: 0 for a root, else one more than the type its item lives in. */
function typeDepth(type: Y.AbstractType<unknown>, memo: Map<Y.AbstractType<unknown>, number>): number {
  const chain: Y.AbstractType<unknown>[] = [];
  let current: Y.AbstractType<unknown> | null = type;
  let depth = 0;
  while (current) {
    const known = memo.get(current);
    if (known !== undefined) {
      depth = known;
      break;
    }
    chain.push(current);
    const holder: Y.Item | null = current._item;
    current = holder ? (holder.parent as Y.AbstractType<unknown>) : null;
    if (!current) depth = -1;
  }
  // `depth` is the depth of the first type above the chain (-1 above a root).
  for (let i = chain.length - 1; i >= 0; i--) memo.set(chain[i], ++depth);
  return memo.get(type)!;
}

/** What dropUnresolved() removed. */
export interface Unresolved {
  structs: boolean;
  deletes: boolean;
}

/**
 * Drops what Yjs set aside because its dependencies are missing: structs after a gap or
 * pointing at unknown items, and deletions of clocks the doc does not hold ("future deletes",
 * which Yjs would otherwise apply to whatever that client types next). The live doc never
 * keeps them, so they are never stored, forwarded or served. Returns null if there were none.
 */
export function dropUnresolved(doc: Y.Doc): Unresolved | null {
  const { store } = doc;
  if (store.pendingStructs === null && store.pendingDs === null) return null;
  const dropped = { structs: store.pendingStructs !== null, deletes: store.pendingDs !== null };
  store.pendingStructs = null;
  store.pendingDs = null;
  return dropped;
}

/** What repairDocument() changed. */
export interface Repair {
  unresolved: Unresolved | null;
  /** Types deleted because they were nested deeper than the limit. */
  tooDeep: number;
}

/**
 * Makes a document stored before these checks existed safe to serve: drops unresolved
 * structs and deletions, and deletes every type nested deeper than `maxNestingDepth` (with
 * its content), deepest first, so nothing recurses through a deep subtree. Deleting adds
 * no structs, only deletions, so the repair is the same every time it runs on the same state.
 */
export function repairDocument(doc: Y.Doc, maxNestingDepth: number): Repair {
  const unresolved = dropUnresolved(doc);
  const memo = new Map<Y.AbstractType<unknown>, number>();
  const tooDeep: { item: Y.Item; depth: number }[] = [];
  for (const structs of doc.store.clients.values()) {
    for (const struct of structs) {
      if (!(struct instanceof Y.Item) || struct.deleted || !(struct.content instanceof Y.ContentType)) continue;
      const depth = typeDepth(struct.content.type, memo);
      if (depth > maxNestingDepth) tooDeep.push({ item: struct, depth });
    }
  }
  // One transaction per type, deepest first: both the delete and the garbage collection at
  // the end of a transaction recurse through a deleted type's subtree, which is then shallow.
  tooDeep.sort((a, b) => b.depth - a.depth);
  for (const { item } of tooDeep) doc.transact((transaction) => deleteChildrenThenItem(transaction, item));
  return { unresolved, tooDeep: tooDeep.length };
}

/** Deletes a type's own children first (they are shallow by now), then the item holding it. */
function deleteChildrenThenItem(transaction: Y.Transaction, item: Y.Item): void {
  const type = (item.content as Y.ContentType).type;
  for (let child = type._start; child !== null; child = child.right) if (!child.deleted) child.delete(transaction);
  for (const entry of type._map.values()) if (!entry.deleted) entry.delete(transaction);
  if (!item.deleted) item.delete(transaction);
}

/**
 * Finds the item of `items` (an update's, each client's in clock order) holding an id, by
 * binary search per client; null when the update holds no such item.
 */
function itemFinder(items: Y.Item[]): (id: Y.ID) => Y.Item | null {
  const byClient = new Map<number, Y.Item[]>();
  for (const item of items) {
    const list = byClient.get(item.id.client) ?? [];
    list.push(item);
    byClient.set(item.id.client, list);
  }
  return (id) => {
    const list = byClient.get(id.client);
    if (!list) return null;
    let low = 0;
    let high = list.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const item = list[middle];
      if (id.clock < item.id.clock) high = middle - 1;
      else if (id.clock >= item.id.clock + item.length) low = middle + 1;
      else return item;
    }
    return null;
  };
}
