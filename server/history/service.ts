/**
 * What the history routes do (history-api.ts): list versions, name the current state,
 * materialise a version, restore one, and tell who wrote what. A restore is a forward change the
 * server makes through the room's normal write path (stored before anyone sees it, acknowledged,
 * fanned out), framed by a `pre-restore` version of the state before it and a `restore`
 * version after it, so a restore can itself be undone by restoring.
 */
import * as Y from 'yjs';
import { VERSIONS_PAGE_SIZE, type AuthorshipResponse } from '../../lib/protocol/history-api';
import { HttpError } from '../api-request';
import { RestoreInProgress, type HistoryService } from '../history-api';
import type { Logger } from '../log';
import { LogMessage } from '../log-messages';
import { roomLogId } from '../log';
import type { Room } from '../room';
import type { AuthorRecord, DocumentLog, HistoryStore, VersionRecord } from '../storage';
import { decodeAttribution, type DeleteSet } from './attribution';
import { computeRestore } from './restore';
import { overrideIndexOf, restoredAuthorOverrides } from './restored-authors';
import type { RestoredRange } from './revert';
import { VersionStates } from './version-states';

export interface HistoryServiceOptions {
  storage: HistoryStore & Pick<DocumentLog, 'holdsRoom'>;
  /** Runs `task` with the room loaded (the sync server's registry). */
  withRoom: <T>(room: string, task: (room: Room) => Promise<T>) => Promise<T>;
  /** Brings the room's automatic versions up to date, loaded or not. */
  settleHistory: (room: string) => Promise<void>;
  /** Told after a room's settings are stored (the sync server re-judges who sees comments). */
  onSettingsChanged?: (room: string) => void;
  logger: Logger;
  /** Longest a restore's revert may run before the simpler replace is used (ms). */
  restoreBudgetMs: number;
  /** The document guard's nesting bound (MAX_NESTING_DEPTH), which building a version re-applies. */
  maxNestingDepth: number;
}

export function createHistoryService(options: HistoryServiceOptions): HistoryService {
  const { storage, withRoom, logger } = options;
  const states = new VersionStates({ maxNestingDepth: options.maxNestingDepth });
  const stateAt = (room: string, version: VersionRecord) => states.stateOf(room, version.id, () => storage.loadHistory(room, version.seq));

  return {
    async listVersions(room, before) {
      // A stretch of editing that paused long enough gets its version before it is listed.
      if (await storage.holdsRoom(room)) await options.settleHistory(room);
      const page = await storage.listVersions(room, { limit: VERSIONS_PAGE_SIZE + 1, ...(before ? { before } : {}) });
      const versions = page.slice(0, VERSIONS_PAGE_SIZE);
      return { versions, nextBefore: page.length > VERSIONS_PAGE_SIZE ? versions[versions.length - 1].id : null };
    },

    async nameVersion(room, name) {
      // Nothing stored, nothing to name (storage would refuse a version before any segment).
      if (!(await storage.holdsRoom(room))) throw new HttpError(404, 'no document is stored here: there is nothing to name yet');
      return withRoom(room, (loaded) => loaded.cutVersion({ kind: 'named', name }));
    },

    async renameVersion(room, versionId, name) {
      return storage.renameVersion(room, versionId, name);
    },

    async versionState(room, versionId) {
      const version = await storage.getVersion(room, versionId);
      if (!version) return null;
      return stateAt(room, version);
    },

    async restore(room, versionId, author) {
      const target = await storage.getVersion(room, versionId);
      if (!target) return null;
      // A second restore of the room, on any instance, is refused, not queued.
      const release = await storage.lockRestore(room);
      if (!release) throw new RestoreInProgress();
      try {
        const named = await namedAsBefore(room, author);
        return await withRoom(room, (loaded) => restoreInRoom(loaded, target, named));
      } finally {
        await release();
      }
    },

    async authorship(room) {
      const [{ bindings, authors, overrides }, segments] = await Promise.all([storage.loadAuthorship(room), storage.loadSegments(room)]);
      const deletions = new Map<string, DeleteSet[]>();
      for (const segment of segments) {
        if (!segment.attribution) continue;
        for (const [authorId, ds] of decodeAttribution(segment.attribution)) {
          const list = deletions.get(authorId);
          if (list) list.push(ds);
          else deletions.set(authorId, [ds]);
        }
      }
      const response: AuthorshipResponse = {
        clients: Object.fromEntries(bindings.map(({ clientId, authorId }) => [String(clientId), authorId])),
        authors,
        deletions: Array.from(deletions, ([authorId, sets]) => ({
          author: authorId,
          snapshot: Buffer.from(Y.encodeSnapshot(Y.createSnapshot(Y.mergeDeleteSets(sets), new Map()))).toString('base64'),
        })),
        overrides: overrides.map(({ clientId, clock, length, authorId }) => ({ client: String(clientId), clock, length, author: authorId })),
      };
      return response;
    },

    getSettings: (room) => storage.getSettings(room),
    async updateSettings(room, settings) {
      await storage.updateSettings(room, settings);
      options.onSettingsChanged?.(room);
    },
  };

  /** `author` with the name and colour they last wrote under here, where the request gave none. */
  async function namedAsBefore(room: string, author: AuthorRecord): Promise<AuthorRecord> {
    if (author.name && author.color) return author;
    const known = (await storage.loadAuthorship(room)).authors.find((record) => record.id === author.id);
    return { id: author.id, name: author.name || known?.name || 'Anonymous', color: author.color || known?.color || '#6b7280' };
  }

  async function restoreInRoom(room: Room, target: VersionRecord, author: AuthorRecord): Promise<VersionRecord> {
    const started = performance.now();
    await room.cutVersion({ kind: 'pre-restore', name: null });
    const targetState = await stateAt(room.name, target);
    // People keep typing meanwhile: what they type after this state merges with the restore.
    const { update, method, clientId, restored: copies } = await computeRestore(Y.encodeStateAsUpdate(room.doc), targetState, {
      budgetMs: options.restoreBudgetMs,
    });
    await room.writeForServer(update, author);
    await keepRestoredAuthors(room, clientId, copies, author.id);
    const restored = await room.cutVersion({ kind: 'restore', name: null, restoredFrom: target.id });
    logger.info(
      { room: roomLogId(room.name), version: target.id, method, bytes: update.byteLength, ms: Math.round(performance.now() - started) },
      LogMessage.restoreApplied,
    );
    return restored;
  }

  /**
   * Gives the text the restore re-created back to its authors (restored-authors.ts). The
   * restore stands if this fails: its copies then stay the restorer's, which is logged.
   */
  async function keepRestoredAuthors(room: Room, clientId: number, copies: RestoredRange[], restorer: string): Promise<void> {
    if (copies.length === 0) return;
    try {
      const earlier = overrideIndexOf((await storage.loadAuthorship(room.name)).overrides);
      const overrides = restoredAuthorOverrides({ restoreClient: clientId, restored: copies, authorOf: (client) => room.authorship.authorOf(client), earlier, restorer });
      await storage.addAttributionOverrides(room.name, overrides);
    } catch (error) {
      logger.warn({ room: roomLogId(room.name), err: (error as Error).message }, LogMessage.restoredAuthorsLost);
    }
  }
}
