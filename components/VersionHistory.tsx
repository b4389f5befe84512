'use client';
import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import * as Y from 'yjs';
import { nameVersion, restoreVersion, type HistoryEndpoint } from '../lib/client/history-client';
import type { TokenKeeper } from '../lib/client/token-client';
import { downloadFile, fileStemFor } from '../lib/editor/download-file';
import { UNKNOWN_AUTHOR_ID } from '../lib/history/attribution';
import type { Change } from '../lib/history/change-list';
import { versionTime, versionTitle } from '../lib/history/version-days';
import { versionMarkdown } from '../lib/history/version-export';
import { MAX_VERSION_NAME_LENGTH, type Version, type VersionRequester } from '../lib/protocol/history-api';
import { useVersionHistory } from './hooks/use-version-history';
import { VersionList } from './VersionList';
import { VersionViewer, type VersionDiff } from './VersionViewer';

interface Props {
  room: string;
  apiBase: string;
  /** Token mode: the page's edit token authorizes the history calls. */
  tokens: TokenKeeper | null;
  /** The live document, only ever read: "Compare with current" diffs against its state. */
  liveDoc: Y.Doc;
  /** Who names and restores (this browser's identity), so the versions list them. */
  requester: VersionRequester;
  onClose: () => void;
}

type Action =
  | { kind: 'idle' }
  | { kind: 'confirming-restore' }
  | { kind: 'restoring' }
  | { kind: 'naming'; target: 'current' | 'selected' }
  | { kind: 'saving-name'; target: 'current' | 'selected' };

type Notice = { kind: 'success' | 'error'; text: string } | null;

/** The state of an empty document, the "previous version" of the first one. */
const EMPTY_STATE = Y.encodeStateAsUpdateV2(new Y.Doc());
/** How long after unknown writers appear the authorship is asked again (one request per burst). */
const AUTHORSHIP_REFRESH_DELAY_MS = 500;

/**
 * "Version history": a modal dialog with the versions (timeslider and a list by day) beside a
 * read-only view of the selected one, its changes since the version before (or against the
 * live document) coloured by author, and what can be done with it: restore, name, export.
 * A native modal <dialog>: focus stays inside, the page behind is inert, Escape closes it.
 */
export function VersionHistory({ room, apiBase, tokens, liveDoc, requester, onClose }: Props) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const headingId = useId();
  const endpoint = useMemo<HistoryEndpoint>(() => ({ apiBase, room, token: () => (tokens ? tokens.getToken() : Promise.resolve(null)) }), [apiBase, room, tokens]);
  const history = useVersionHistory(endpoint);
  const { versions, stateOf, hasOlder, loadOlder } = history;

  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [compare, setCompare] = useState(false);
  const [liveTick, setLiveTick] = useState(0);
  /** The diff on screen, and which view it is of (`viewKey`): the changes describe it only. */
  const [diff, setDiff] = useState<{ key: string; value: VersionDiff } | null>(null);
  const [diffError, setDiffError] = useState<string | null>(null);
  const [changes, setChanges] = useState<Change[] | null>(null);
  const [changeIndex, setChangeIndex] = useState(-1);
  const [action, setAction] = useState<Action>({ kind: 'idle' });
  const [notice, setNotice] = useState<Notice>(null);
  const pendingSelection = useRef<{ id: string; frame: number } | null>(null);
  /** The index shown before, to tell which way the reader is stepping. */
  const lastShownIndex = useRef(-1);

  const shown = versions.find((version) => version.id === selectedId) ?? versions[0] ?? null;
  const shownIndex = shown ? versions.indexOf(shown) : -1;
  const shownKey = shown ? viewKey(shown, compare) : null;
  // Until the shown view's diff is rendered, the changes on hand are another view's: none yet.
  const shownChanges = diff && diff.key === shownKey ? changes : null;

  useEffect(() => {
    const dialog = dialogRef.current;
    // Guarded: React's strict mode runs this effect twice on the same element.
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  // The slider can move many steps a frame: render only the last one of each frame.
  const select = useCallback((id: string) => {
    if (pendingSelection.current) {
      pendingSelection.current.id = id;
      return;
    }
    pendingSelection.current = {
      id,
      frame: requestAnimationFrame(() => {
        const chosen = pendingSelection.current?.id;
        pendingSelection.current = null;
        if (chosen) setSelectedId(chosen);
      }),
    };
  }, []);
  useEffect(() => () => cancelAnimationFrame(pendingSelection.current?.frame ?? 0), []);

  // Comparing with now follows the live document as others type, once per frame at most; text
  // from someone the server had not named when the panel opened asks for the authorship again.
  const { authorship, refreshAuthorship } = history;
  const askedAbout = useRef(new Set<number>());
  useEffect(() => {
    if (!compare) return;
    let frame = 0;
    let authorshipTimer: ReturnType<typeof setTimeout> | undefined;
    const askAgainIfUnknown = (writers: Iterable<number>) => {
      if (!authorship || authorshipTimer !== undefined) return;
      // Each writer is asked about once: text from before history was kept has no author.
      const unknown = Array.from(writers).filter(
        (client) => !askedAbout.current.has(client) && authorship.attribution.getUserByClientId(client) === UNKNOWN_AUTHOR_ID,
      );
      if (unknown.length === 0) return;
      for (const client of unknown) askedAbout.current.add(client);
      authorshipTimer = setTimeout(() => {
        authorshipTimer = undefined;
        void refreshAuthorship();
      }, AUTHORSHIP_REFRESH_DELAY_MS);
    };
    const onUpdate = (update: Uint8Array) => {
      if (!frame) frame = requestAnimationFrame(() => {
        frame = 0;
        setLiveTick((tick) => tick + 1);
      });
      askAgainIfUnknown(Y.parseUpdateMeta(update).to.keys());
    };
    // Text written since the panel opened (before comparing began) may be someone's unnamed yet.
    askAgainIfUnknown(liveDoc.store.clients.keys());
    liveDoc.on('update', onUpdate);
    return () => {
      liveDoc.off('update', onUpdate);
      cancelAnimationFrame(frame);
      clearTimeout(authorshipTimer);
    };
  }, [compare, liveDoc, authorship, refreshAuthorship]);

  useEffect(() => {
    if (!shown) return;
    let cancelled = false;
    const key = viewKey(shown, compare);
    const previous = versions[shownIndex + 1];
    const diffFor = async (): Promise<VersionDiff | null> => {
      const state = await stateOf(shown.id);
      if (compare) return { prevSnapshot: state, snapshot: Y.encodeStateAsUpdateV2(liveDoc) };
      if (!previous && hasOlder) {
        // The version before this one is on the next page: load it, and come back.
        await loadOlder();
        return null;
      }
      return { prevSnapshot: previous ? await stateOf(previous.id) : EMPTY_STATE, snapshot: state };
    };
    // The next step the same way (older unless the last one went newer) needs one more state:
    // fetch it now, while this diff renders, so the step only renders.
    const olderward = shownIndex >= lastShownIndex.current;
    lastShownIndex.current = shownIndex;
    const upcoming = olderward ? versions[shownIndex + 2] : versions[shownIndex - 1];
    diffFor().then(
      (next) => {
        if (cancelled || !next) return;
        setDiff({ key, value: next });
        setChanges(null);
        setDiffError(null);
        // A failed prefetch is dropped from the cache; the step asks again and reports it.
        if (upcoming && !compare) stateOf(upcoming.id).catch(() => undefined);
      },
      (error: Error) => {
        if (!cancelled) setDiffError(`Could not load this version: ${error.message}`);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [shown, shownIndex, versions, compare, liveTick, liveDoc, stateOf, hasOlder, loadOlder]);

  const onRendered = useCallback((rendered: Change[]) => {
    setChanges(rendered);
    setChangeIndex(-1);
  }, []);

  // Stable, like onLoadOlder: the list of up to 1,000 versions re-renders only when they change.
  const chooseVersion = useCallback(
    (id: string) => {
      setAction({ kind: 'idle' });
      setNotice(null);
      select(id);
    },
    [select],
  );
  const onLoadOlder = useCallback(() => void loadOlder(), [loadOlder]);

  const authorName = (id: string) => history.authorship?.authors.get(id)?.name ?? 'Unknown author';
  const currentChange = shownChanges && changeIndex >= 0 ? (shownChanges[changeIndex] ?? null) : null;

  const restore = async () => {
    if (!shown) return;
    setAction({ kind: 'restoring' });
    try {
      const restored = await restoreVersion(endpoint, shown.id, requester);
      setNotice({ kind: 'success', text: `Restored the version of ${versionTime(shown)}. Everyone in the document now has it.` });
      setCompare(false);
      await history.refresh();
      setSelectedId(restored.id);
    } catch (error) {
      setNotice({ kind: 'error', text: `Could not restore this version: ${(error as Error).message}` });
    }
    setAction({ kind: 'idle' });
  };

  const saveName = async (target: 'current' | 'selected', name: string) => {
    setAction({ kind: 'saving-name', target });
    try {
      const named = await nameVersion(endpoint, target === 'selected' && shown ? { ...requester, name, versionId: shown.id } : { ...requester, name });
      setNotice({ kind: 'success', text: `Named a version “${named.name ?? name}”.` });
      await history.refresh();
      setSelectedId(named.id);
      setAction({ kind: 'idle' });
    } catch (error) {
      setNotice({ kind: 'error', text: `Could not name the version: ${(error as Error).message}` });
      setAction({ kind: 'naming', target });
    }
  };

  const exportMarkdown = async () => {
    if (!shown) return;
    try {
      const { title, markdown } = versionMarkdown(await stateOf(shown.id));
      const when = shown.createdAt.slice(0, 16).replace('T', ' ').replace(':', '-');
      downloadFile(`${fileStemFor(title)} (version ${when}).md`, markdown, 'text/markdown');
    } catch (error) {
      setNotice({ kind: 'error', text: `Could not export this version: ${(error as Error).message}` });
    }
  };

  const summary = describeShown(shown, compare, shownChanges, history.loading);
  const naming = action.kind === 'naming' || action.kind === 'saving-name' ? action.target : null;
  const confirmingRestore = action.kind === 'confirming-restore' || action.kind === 'restoring';

  return (
    <dialog ref={dialogRef} className="history-dialog" aria-labelledby={headingId} onClose={onClose}>
      <div className="history-header">
        <h2 id={headingId}>Version history</h2>
        <button
          type="button"
          className="button-secondary"
          aria-expanded={naming === 'current'}
          onClick={() => setAction({ kind: 'naming', target: 'current' })}
        >
          Name current version
        </button>
        <button type="button" className="button-secondary" onClick={() => dialogRef.current?.close()}>
          Close
        </button>
      </div>
      {naming === 'current' && (
        <VersionNameForm
          label="Name for the current version"
          saving={action.kind === 'saving-name'}
          onSave={(name) => void saveName('current', name)}
          onCancel={() => setAction({ kind: 'idle' })}
        />
      )}
      {notice && (
        <p role={notice.kind === 'error' ? 'alert' : 'status'} className={`notice notice-${notice.kind} history-notice`}>
          {notice.text}
        </p>
      )}

      <div className="history-layout">
        <nav className="history-sidebar" aria-label="Version list">
          {history.error && (
            <div role="alert" className="notice notice-error">
              <p>Could not load the history: {history.error}</p>
              <button type="button" className="button-secondary" onClick={() => void history.refresh()}>
                Try again
              </button>
            </div>
          )}
          {!history.loading && !history.error && versions.length === 0 && (
            <p className="muted">No versions yet. A version is kept after a pause in editing, or name one now.</p>
          )}
          {versions.length > 0 && (
            <VersionList versions={versions} selectedId={shown?.id ?? null} onSelect={chooseVersion} hasOlder={hasOlder} onLoadOlder={onLoadOlder} />
          )}
        </nav>

        <section className="history-view" aria-label="Selected version">
          <p role="status" className="history-summary">
            {summary}
          </p>
          {shown && (
            <div className="history-tools">
              <button type="button" className="button-secondary" aria-pressed={compare} onClick={() => setCompare((on) => !on)}>
                Compare with current
              </button>
              <span className="history-change-nav">
                <button
                  type="button"
                  className="button-secondary"
                  disabled={!shownChanges || shownChanges.length === 0}
                  onClick={() => shownChanges && setChangeIndex((index) => (index <= 0 ? shownChanges.length - 1 : index - 1))}
                >
                  Previous change
                </button>
                <button
                  type="button"
                  className="button-secondary"
                  disabled={!shownChanges || shownChanges.length === 0}
                  onClick={() => shownChanges && setChangeIndex((index) => (index + 1) % shownChanges.length)}
                >
                  Next change
                </button>
              </span>
              <button type="button" className="button-secondary" aria-expanded={confirmingRestore} onClick={() => setAction({ kind: 'confirming-restore' })}>
                Restore this version
              </button>
              <button
                type="button"
                className="button-secondary"
                aria-expanded={naming === 'selected'}
                onClick={() => setAction({ kind: 'naming', target: 'selected' })}
              >
                Name this version
              </button>
              <button type="button" className="button-secondary" onClick={() => void exportMarkdown()}>
                Export as Markdown
              </button>
            </div>
          )}
          <p aria-live="polite" className="history-change-position">
            {currentChange && shownChanges
              ? `Change ${changeIndex + 1} of ${shownChanges.length}: ${currentChange.type === 'added' ? 'added' : 'removed'} by ${authorName(currentChange.author)}`
              : ''}
          </p>
          {confirmingRestore && shown && (
            <RestoreConfirmation
              version={shown}
              restoring={action.kind === 'restoring'}
              onConfirm={() => void restore()}
              onCancel={() => setAction({ kind: 'idle' })}
            />
          )}
          {naming === 'selected' && (
            <VersionNameForm
              label="Name for this version"
              initialName={shown?.name ?? ''}
              saving={action.kind === 'saving-name'}
              onSave={(name) => void saveName('selected', name)}
              onCancel={() => setAction({ kind: 'idle' })}
            />
          )}
          {diffError && (
            <p role="alert" className="notice notice-error">
              {diffError}
            </p>
          )}
          {history.authorship && (
            <VersionViewer
              authorship={history.authorship}
              diff={diff?.value ?? null}
              currentChange={currentChange}
              onRendered={onRendered}
              label="Version shown"
            />
          )}
        </section>
      </div>
    </dialog>
  );
}

/** Which view of a version a diff is: since the version before, or against now. */
function viewKey(version: Version, compare: boolean): string {
  return `${version.id}:${compare ? 'now' : 'before'}`;
}

/** What the status line announces about the version on screen. */
function describeShown(shown: Version | null, compare: boolean, changes: Change[] | null, loading: boolean): string {
  if (!shown) return loading ? 'Loading versions…' : 'No version selected.';
  const heading = `${versionTitle(shown)}, ${versionTime(shown)}`;
  if (!changes) return `${heading}. Loading…`;
  const count = changes.length === 1 ? '1 change' : `${changes.length} changes`;
  return `${heading}. ${count} ${compare ? 'between this version and now' : 'since the version before'}.`;
}

interface ConfirmationProps {
  version: Version;
  restoring: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}

/** Asks once before a restore, which changes the document for everyone. */
function RestoreConfirmation({ version, restoring, onConfirm, onCancel }: ConfirmationProps) {
  const questionId = useId();
  return (
    <div role="group" aria-labelledby={questionId} className="history-confirm">
      <p id={questionId}>
        Restore the document to “{versionTitle(version)}” of {versionTime(version)}? It changes for everyone at once; the
        current state is kept as a version first.
      </p>
      <div className="history-confirm-actions">
        <button type="button" className="button-danger" disabled={restoring} onClick={onConfirm}>
          {restoring ? 'Restoring…' : 'Yes, restore this version'}
        </button>
        {/* Focused first: the safe choice is the one Enter picks. */}
        <button type="button" className="button-secondary" autoFocus disabled={restoring} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}

interface NameFormProps {
  label: string;
  initialName?: string;
  saving: boolean;
  onSave: (name: string) => void;
  onCancel: () => void;
}

/** A version name, 1–100 characters; the field says why Save is refused. */
function VersionNameForm({ label, initialName = '', saving, onSave, onCancel }: NameFormProps) {
  const fieldId = useId();
  const [name, setName] = useState(initialName);
  const trimmed = name.trim();
  return (
    <form
      className="history-name-form"
      onSubmit={(event) => {
        event.preventDefault();
        if (trimmed) onSave(trimmed);
      }}
    >
      <label htmlFor={fieldId}>{label}</label>
      <input
        id={fieldId}
        className="share-field-input"
        value={name}
        maxLength={MAX_VERSION_NAME_LENGTH}
        autoFocus
        required
        onChange={(event) => setName(event.target.value)}
      />
      <button type="submit" className="button-secondary" disabled={saving || !trimmed}>
        {saving ? 'Saving…' : 'Save name'}
      </button>
      <button type="button" className="button-secondary" disabled={saving} onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}
