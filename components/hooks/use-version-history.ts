'use client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { fetchAuthorship, fetchVersions, fetchVersionState, type HistoryEndpoint } from '../../lib/client/history-client';
import { historyAuthorshipFrom, type HistoryAuthorship } from '../../lib/history/attribution';
import type { Version } from '../../lib/protocol/history-api';

export interface VersionHistory {
  /** Newest first, every page loaded so far. */
  versions: Version[];
  /** More, older versions can be loaded. */
  hasOlder: boolean;
  /** The first page and the authorship are loading (or reloading after a refresh). */
  loading: boolean;
  /** Why the list or the authorship could not be loaded (null when they were). */
  error: string | null;
  authorship: HistoryAuthorship | null;
  loadOlder(): Promise<void>;
  /** Loads the newest page and the authorship again (after naming or restoring). */
  refresh(): Promise<void>;
  /** Loads the authorship alone again (someone the server had not named yet wrote). */
  refreshAuthorship(): Promise<void>;
  /** A version's state (v2), fetched once and kept: versions never change. */
  stateOf(versionId: string): Promise<Uint8Array>;
}

/** The history panel's data for one room: versions page by page, authorship, cached states. */
export function useVersionHistory(endpoint: HistoryEndpoint): VersionHistory {
  const [versions, setVersions] = useState<Version[]>([]);
  const [nextBefore, setNextBefore] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [authorship, setAuthorship] = useState<HistoryAuthorship | null>(null);
  const states = useRef(new Map<string, Promise<Uint8Array>>());
  const generation = useRef(0);

  const refresh = useCallback(async () => {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const [page, authors] = await Promise.all([fetchVersions(endpoint), fetchAuthorship(endpoint)]);
      if (mine !== generation.current) return;
      setVersions(page.versions);
      setNextBefore(page.nextBefore);
      setAuthorship(historyAuthorshipFrom(authors));
      setError(null);
    } catch (failure) {
      if (mine === generation.current) setError((failure as Error).message);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [endpoint]);

  useEffect(() => {
    // The first load starts with the panel; its results arrive asynchronously.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void refresh();
    const loads = generation;
    // Answers arriving after the panel closed (or the endpoint changed) are dropped.
    return () => {
      loads.current++;
    };
  }, [refresh]);

  const refreshAuthorship = useCallback(async () => {
    const mine = generation.current;
    try {
      const authors = await fetchAuthorship(endpoint);
      if (mine === generation.current) setAuthorship(historyAuthorshipFrom(authors));
    } catch {
      // The colours stay as they were; the next refresh tries again.
    }
  }, [endpoint]);

  const loadOlder = useCallback(async () => {
    if (!nextBefore) return;
    const mine = generation.current;
    try {
      const page = await fetchVersions(endpoint, nextBefore);
      if (mine !== generation.current) return;
      setVersions((loaded) => [...loaded, ...page.versions.filter((version) => !loaded.some((known) => known.id === version.id))]);
      setNextBefore(page.nextBefore);
    } catch (failure) {
      if (mine === generation.current) setError((failure as Error).message);
    }
  }, [endpoint, nextBefore]);

  const stateOf = useCallback(
    (versionId: string) => {
      let state = states.current.get(versionId);
      if (!state) {
        state = fetchVersionState(endpoint, versionId);
        states.current.set(versionId, state);
        // A failed fetch is not kept: the next selection asks again.
        state.catch(() => states.current.delete(versionId));
      }
      return state;
    },
    [endpoint],
  );

  return { versions, hasOlder: nextBefore !== null, loading, error, authorship, loadOlder, refresh, refreshAuthorship, stateOf };
}
