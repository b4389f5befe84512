/**
 * Restore locks for storage that one process holds (memory, SQLite): HistoryStore.lockRestore
 * as a set of the rooms being restored. Instances sharing rooms need PostgreSQL, whose locks
 * hold across processes (postgres-history.ts).
 */
export function createLocalRestoreLocks(): (room: string) => Promise<(() => Promise<void>) | null> {
  const held = new Set<string>();
  return async (room) => {
    if (held.has(room)) return null;
    held.add(room);
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      held.delete(room);
    };
  };
}
