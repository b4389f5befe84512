/**
 * Who wrote each part of a textblock, read from the Yjs items themselves: a textblock's
 * Y.XmlElement holds Y.XmlText children (text) and inline Y.XmlElements (hard breaks), and
 * every visible item's id names the client that inserted it. Nothing is stored in the
 * document for this. ClientRunCache keeps the runs of unchanged textblocks between paints.
 */
import * as Y from 'yjs';

/**
 * `length` ProseMirror positions of a textblock's content inserted by Yjs client `client`,
 * as its clocks [clock, clock + length) (attribution overrides name clock ranges).
 */
export interface ClientRun {
  client: number;
  clock: number;
  length: number;
}

/**
 * The runs of one textblock, in document order, neighbours of one client with consecutive
 * clocks merged. Text counts in UTF-16 code units, as ProseMirror positions and Yjs clocks do;
 * an inline element counts as the one position of a leaf node. Deleted items and formatting
 * items (not countable) take no room.
 */
export function textblockClientRuns(element: Y.XmlElement): ClientRun[] {
  const runs: ClientRun[] = [];
  const push = (client: number, clock: number, length: number) => {
    const last = runs[runs.length - 1];
    if (last?.client === client && last.clock + last.length === clock) last.length += length;
    else runs.push({ client, clock, length });
  };
  for (let child = element._start; child !== null; child = child.right) {
    if (child.deleted || !(child.content instanceof Y.ContentType)) continue;
    const type = child.content.type;
    if (type instanceof Y.XmlText) {
      for (let item = type._start; item !== null; item = item.right) {
        if (!item.deleted && item.countable) push(item.id.client, item.id.clock, item.length);
      }
    } else {
      push(child.id.client, child.id.clock, 1);
    }
  }
  return runs;
}

/** The number of positions a textblock's runs cover (its ProseMirror content size when in step). */
export function runsLength(runs: readonly ClientRun[]): number {
  let length = 0;
  for (const run of runs) length += run.length;
  return length;
}

/**
 * Runs per textblock, kept until the textblock changes: every Yjs transaction (local or
 * remote) drops the entries of the textblocks it touched before any observer runs, so the
 * editor binding's observer, which repaints, already reads fresh runs.
 */
export class ClientRunCache {
  private runs = new WeakMap<Y.XmlElement, ClientRun[]>();
  private changed = new Set<Y.XmlElement>();

  constructor(private readonly doc: Y.Doc) {
    doc.on('beforeObserverCalls', this.forgetChanged);
  }

  /** The textblock's runs: cached, or read from its items now. */
  runsOf(element: Y.XmlElement): ClientRun[] {
    let runs = this.runs.get(element);
    if (!runs) {
      runs = textblockClientRuns(element);
      this.runs.set(element, runs);
    }
    return runs;
  }

  /** Whether the element's runs are cached (false for one never read, or changed since). */
  holds(element: Y.XmlElement): boolean {
    return this.runs.has(element);
  }

  /**
   * The elements whose runs changed since the last call (their paint is out of date). Types
   * created in a transaction are not among them (Yjs reports only types that existed before):
   * holds() tells those apart.
   */
  takeChanged(): Set<Y.XmlElement> {
    const changed = this.changed;
    this.changed = new Set();
    return changed;
  }

  /** Stops following the document; idempotent. */
  destroy(): void {
    this.doc.off('beforeObserverCalls', this.forgetChanged);
    this.runs = new WeakMap();
    this.changed = new Set();
  }

  private forget(element: Y.XmlElement): void {
    this.runs.delete(element);
    this.changed.add(element);
  }

  private readonly forgetChanged = (transaction: Y.Transaction) => {
    transaction.changed.forEach((_keys, type) => {
      // Text changed: its textblock's runs. Children added or removed: the element's own.
      if (type instanceof Y.XmlText) {
        if (type.parent instanceof Y.XmlElement) this.forget(type.parent);
      } else if (type instanceof Y.XmlElement) {
        this.forget(type);
      }
    });
  };
}
