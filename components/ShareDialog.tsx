'use client';
import { useEffect, useId, useRef, useState } from 'react';
import { fetchRoomSettings, fetchViewLink, rotateViewLink, saveRoomSettings } from '../lib/client/api-client';
import { editLinkFor, viewLinkFor } from '../lib/client/share-links';
import type { TokenKeeper } from '../lib/client/token-client';
import { CopyLinkField } from './CopyLinkField';

interface Props {
  room: string;
  /** Where the API lives (see lib/client/sync-url.ts apiBaseFor). */
  apiBase: string;
  /** Token mode: the page's edit token authorizes the view-link calls. */
  tokens: TokenKeeper | null;
  /** Called once the dialog has closed (Escape, the Close button). */
  onClose: () => void;
}

type ViewLinkState =
  | { kind: 'loading' }
  | { kind: 'ready'; viewId: string }
  | { kind: 'failed'; message: string };

type RotationState =
  | { kind: 'idle' }
  | { kind: 'confirming' }
  | { kind: 'rotating' }
  | { kind: 'rotated' }
  | { kind: 'failed'; message: string };

type SettingsState =
  | { kind: 'loading' }
  | { kind: 'ready'; historyVisibleToViewers: boolean; saving: boolean; failure: string | null }
  | { kind: 'failed'; message: string };

/**
 * Sharing a document: the edit link, the view link (fetched from the server), a way to
 * replace the view link, and whether viewers may see the history and who wrote what. A native modal <dialog>: the browser traps focus, makes the page
 * behind it inert, closes it on Escape and returns focus to the Share button. Mounted only
 * while open, so every opening shows fresh state.
 */
export function ShareDialog({ room, apiBase, tokens, onClose }: Props) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const createButtonRef = useRef<HTMLButtonElement>(null);
  const headingId = useId();
  const warningId = useId();
  const [viewLink, setViewLink] = useState<ViewLinkState>({ kind: 'loading' });
  const [loadAttempt, setLoadAttempt] = useState(0);
  const [rotation, setRotation] = useState<RotationState>({ kind: 'idle' });
  const [settings, setSettings] = useState<SettingsState>({ kind: 'loading' });
  const historyHintId = useId();
  const origin = window.location.origin;

  useEffect(() => {
    const dialog = dialogRef.current;
    // Guarded: React's strict mode runs this effect twice on the same element.
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  useEffect(() => {
    let cancelled = false;
    editToken(tokens)
      .then((token) => fetchViewLink(apiBase, room, token))
      .then(
        (viewId) => {
          if (!cancelled) setViewLink({ kind: 'ready', viewId });
        },
        (error: Error) => {
          if (!cancelled) setViewLink({ kind: 'failed', message: error.message });
        },
      );
    return () => {
      cancelled = true;
    };
  }, [apiBase, room, tokens, loadAttempt]);

  useEffect(() => {
    let cancelled = false;
    editToken(tokens)
      .then((token) => fetchRoomSettings(apiBase, room, token))
      .then(
        (loaded) => {
          if (!cancelled) setSettings({ kind: 'ready', historyVisibleToViewers: loaded.historyVisibleToViewers, saving: false, failure: null });
        },
        (error: Error) => {
          if (!cancelled) setSettings({ kind: 'failed', message: error.message });
        },
      );
    return () => {
      cancelled = true;
    };
  }, [apiBase, room, tokens]);

  const changeHistoryVisibility = async (visible: boolean) => {
    setSettings({ kind: 'ready', historyVisibleToViewers: visible, saving: true, failure: null });
    try {
      const saved = await saveRoomSettings(apiBase, room, { historyVisibleToViewers: visible }, await editToken(tokens));
      setSettings({ kind: 'ready', historyVisibleToViewers: saved.historyVisibleToViewers, saving: false, failure: null });
    } catch (error) {
      // The switch goes back to what the server still holds.
      setSettings({ kind: 'ready', historyVisibleToViewers: !visible, saving: false, failure: (error as Error).message });
    }
  };

  const rotate = async () => {
    setRotation({ kind: 'rotating' });
    try {
      const viewId = await rotateViewLink(apiBase, room, await editToken(tokens));
      setViewLink({ kind: 'ready', viewId });
      setRotation({ kind: 'rotated' });
    } catch (error) {
      setRotation({ kind: 'failed', message: (error as Error).message });
    }
    createButtonRef.current?.focus();
  };

  const cancelRotation = () => {
    setRotation({ kind: 'idle' });
    createButtonRef.current?.focus();
  };

  const confirming = rotation.kind === 'confirming' || rotation.kind === 'rotating';

  return (
    <dialog ref={dialogRef} className="share-dialog" aria-labelledby={headingId} onClose={onClose}>
      <div className="share-dialog-header">
        <h2 id={headingId}>Share this document</h2>
        <button type="button" className="button-secondary" onClick={() => dialogRef.current?.close()}>
          Close
        </button>
      </div>

      <section className="share-section">
        <CopyLinkField label="Edit link" copyLabel="Copy edit link" link={editLinkFor(origin, room)} />
        <p className="muted share-hint">Anyone with the edit link can change this document.</p>
      </section>

      <section className="share-section">
        <CopyLinkField
          // Keyed by the link, so a "Copied" from the previous link does not linger on a new one.
          key={viewLink.kind === 'ready' ? viewLink.viewId : viewLink.kind}
          label="View link"
          copyLabel="Copy view link"
          link={viewLink.kind === 'ready' ? viewLinkFor(origin, viewLink.viewId) : null}
          pendingText={viewLink.kind === 'failed' ? 'Not available' : 'Loading…'}
        />
        {viewLink.kind === 'failed' && (
          <div role="alert" className="notice notice-error">
            <p>Could not load the view link: {viewLink.message}</p>
            <button
              type="button"
              className="button-secondary"
              onClick={() => {
                setViewLink({ kind: 'loading' });
                setLoadAttempt((attempt) => attempt + 1);
              }}
            >
              Try again
            </button>
          </div>
        )}
        <p className="muted share-hint">
          People with the view link can read along as you write, but cannot edit and never see the edit link.
        </p>

        <button
          ref={createButtonRef}
          type="button"
          className="button-secondary"
          aria-expanded={confirming}
          // Never disabled while rotating: focus returns here when the rotation ends.
          disabled={viewLink.kind !== 'ready'}
          onClick={() => setRotation({ kind: 'confirming' })}
        >
          Create a new view link
        </button>
        {confirming && (
          <div role="group" aria-labelledby={warningId} className="share-confirm">
            <p id={warningId}>
              The current view link will stop working at once, and anyone reading through it will be disconnected.
            </p>
            <div className="share-confirm-actions">
              <button
                type="button"
                className="button-danger"
                disabled={rotation.kind === 'rotating'}
                onClick={() => void rotate()}
              >
                {rotation.kind === 'rotating' ? 'Creating a new view link…' : 'Yes, create a new view link'}
              </button>
              {/* Focused first: the safe choice is the one Enter picks. */}
              <button
                type="button"
                className="button-secondary"
                autoFocus
                disabled={rotation.kind === 'rotating'}
                onClick={cancelRotation}
              >
                Cancel
              </button>
            </div>
          </div>
        )}
        {rotation.kind === 'rotated' && (
          <p role="status" className="notice notice-success">
            New view link created. The old one no longer works.
          </p>
        )}
        {rotation.kind === 'failed' && (
          <p role="alert" className="notice notice-error">
            Could not create a new view link: {rotation.message}
          </p>
        )}
      </section>

      <section className="share-section">
        <label className="share-toggle">
          <input
            type="checkbox"
            aria-describedby={historyHintId}
            checked={settings.kind === 'ready' && settings.historyVisibleToViewers}
            disabled={settings.kind !== 'ready' || settings.saving}
            onChange={(event) => void changeHistoryVisibility(event.target.checked)}
          />
          Viewers can see history and authors
        </label>
        <p id={historyHintId} className="muted share-hint">
          Off: people with the view link see only the document as it is now. On: they can also open earlier versions and
          see who wrote what.
        </p>
        {settings.kind === 'failed' && (
          <p role="alert" className="notice notice-error">
            Could not load this setting: {settings.message}
          </p>
        )}
        {settings.kind === 'ready' && settings.failure && (
          <p role="alert" className="notice notice-error">
            Could not change this setting: {settings.failure}
          </p>
        )}
      </section>
    </dialog>
  );
}

/** The bearer token for view-link calls: the page's edit token in token mode, none otherwise. */
function editToken(tokens: TokenKeeper | null): Promise<string | null> {
  return tokens ? tokens.getToken() : Promise.resolve(null);
}
