/**
 * Which room_authors rows a group commit must write, for SQLite and PostgreSQL. Nearly every
 * append names an author whose name and colour are already stored, so a bounded cache of what
 * was last written lets the commit skip the upsert; the cache learns a row only once its
 * commit succeeded, so a rolled-back commit is written again next time.
 */
import type { AppendMeta, AuthorRecord, ClientBinding } from './types';

/** (room, author) pairs remembered; past it the oldest are forgotten (and simply written again). */
const REMEMBERED_AUTHORS = 10_000;

/** One room_authors row to upsert. */
export interface AuthorRow {
  room: string;
  author: AuthorRecord;
}

/** One room_clients row to insert if absent. */
export interface BindingRow {
  room: string;
  binding: ClientBinding;
}

/** What a commit writes besides the log rows: bindings, and authors whose name or colour changed. */
export interface MetaRows {
  bindings: BindingRow[];
  authors: AuthorRow[];
  /** Call once the commit is durable. */
  committed(): void;
}

export class AuthorRowCache {
  /** `room \0 authorId` → `name \0 color` as last committed. */
  private readonly written = new Map<string, string>();

  /** The rows the appends in `items` need written, each (room, author) and binding once. */
  rowsFor(items: { room: string; meta?: AppendMeta }[]): MetaRows {
    const bindings = new Map<string, BindingRow>();
    const authors = new Map<string, { row: AuthorRow; value: string }>();
    for (const { room, meta } of items) {
      if (!meta) continue;
      for (const binding of meta.bindings) bindings.set(`${room}\0${binding.clientId}`, { room, binding });
      for (const author of meta.authors) {
        const key = `${room}\0${author.id}`;
        const value = `${author.name}\0${author.color}`;
        // A later append of the same commit may rename the author: the last one wins.
        if (this.written.get(key) === value) authors.delete(key);
        else authors.set(key, { row: { room, author }, value });
      }
    }
    return {
      bindings: [...bindings.values()],
      authors: [...authors.values()].map((entry) => entry.row),
      committed: () => {
        for (const [key, { value }] of authors) this.remember(key, value);
      },
    };
  }

  private remember(key: string, value: string): void {
    this.written.delete(key);
    this.written.set(key, value);
    if (this.written.size > REMEMBERED_AUTHORS) this.written.delete(this.written.keys().next().value!);
  }
}
