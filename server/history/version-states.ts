/**
 * The documents at versions, as the history routes and restores ask for them: materialised off
 * the event loop when large (a version of a big document takes as long to build as loading it,
 * and must not stall every other room), and kept in a small cache, since a version never
 * changes and the timeslider asks for its neighbours again and again.
 */
import { foldOffTheEventLoop } from '../document-fold';
import type { HistoryPieces } from '../storage';
import { checkPiecesInOrder } from './materialise';

/** Bytes of materialised versions kept (least recently used dropped first). */
export const VERSION_STATE_CACHE_BYTES = 32 * 1024 * 1024;

export class VersionStates {
  private readonly cache = new Map<string, Uint8Array>();
  private cachedBytes = 0;
  /** Builds already running, so concurrent asks for one version build it once. */
  private readonly building = new Map<string, Promise<Uint8Array>>();

  constructor(private readonly options: { maxNestingDepth: number; cacheBytes?: number }) {}

  /** The state (v1 update) of `room` at version `versionId`, built from `load()`'s pieces. */
  async stateOf(room: string, versionId: string, load: () => Promise<HistoryPieces>): Promise<Uint8Array> {
    const key = `${room}\u0000${versionId}`;
    const cached = this.cache.get(key);
    if (cached) {
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    let build = this.building.get(key);
    if (!build) {
      build = load().then((pieces) => this.build(pieces));
      this.building.set(key, build);
      void build.then(
        (state) => this.remember(key, state),
        () => undefined,
      ).finally(() => this.building.delete(key));
    }
    return build;
  }

  private build(pieces: HistoryPieces): Promise<Uint8Array> {
    checkPiecesInOrder(pieces);
    const updates = pieces.segments.map((segment) => segment.data);
    if (pieces.checkpoint) updates.unshift(pieces.checkpoint.data);
    return foldOffTheEventLoop(updates, this.options.maxNestingDepth);
  }

  private remember(key: string, state: Uint8Array): void {
    const limit = this.options.cacheBytes ?? VERSION_STATE_CACHE_BYTES;
    if (state.byteLength > limit / 4) return;
    this.cache.set(key, state);
    this.cachedBytes += state.byteLength;
    for (const [oldest, bytes] of this.cache) {
      if (this.cachedBytes <= limit) break;
      this.cache.delete(oldest);
      this.cachedBytes -= bytes.byteLength;
    }
  }
}
