'use client';
import { useEffect, useId, useRef, useState } from 'react';
import {
  fetchCommentLink,
  fetchRoomSettings,
  fetchViewLink,
  rotateCommentLink,
  rotateViewLink,
  saveRoomSettings,
} from '../lib/client/api-client';
import { commentLinkFor, editLinkFor, viewLinkFor } from '../lib/client/share-links';
import type { TokenKeeper } from '../lib/client/token-client';
import type { RoomSettingsResponse } from '../lib/protocol/history-api';
import { CopyLinkField } from './CopyLinkField';
import { RotatableLinkSection, type LinkApi } from './RotatableLinkSection';

interface Props {
  room: string;
  /** Where the API lives (see lib/client/sync-url.ts apiBaseFor). */
  apiBase: string;
  /** Token mode: the page's edit token authorizes the link calls. */
  tokens: TokenKeeper | null;
  /** Called once the dialog has closed (Escape, the Close button). */
  onClose: () => void;
}

type SettingsState =
  | { kind: 'loading' }
  | { kind: 'ready'; values: RoomSettingsResponse; saving: boolean; failure: string | null }
  | { kind: 'failed'; message: string };

const COMMENT_LINK_API: LinkApi = { fetch: fetchCommentLink, rotate: rotateCommentLink };
const VIEW_LINK_API: LinkApi = { fetch: fetchViewLink, rotate: rotateViewLink };

/**
 * Sharing a document: the edit link, the comment and view links (fetched from the server),
 * each replaceable, whether viewers and commenters may see the history and who wrote what, and
 * whether viewers see the comments. A native modal <dialog>: the browser traps focus, makes the page
 * behind it inert, closes it on Escape and returns focus to the Share button. Mounted only
 * while open, so every opening shows fresh state.
 */
export function ShareDialog({ room, apiBase, tokens, onClose }: Props) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const headingId = useId();
  const [settings, setSettings] = useState<SettingsState>({ kind: 'loading' });
  const historyHintId = useId();
  const commentsHintId = useId();
  const origin = window.location.origin;

  useEffect(() => {
    const dialog = dialogRef.current;
    // Guarded: React's strict mode runs this effect twice on the same element.
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  useEffect(() => {
    let cancelled = false;
    editToken(tokens)
      .then((token) => fetchRoomSettings(apiBase, room, token))
      .then(
        (loaded) => {
          if (!cancelled) setSettings({ kind: 'ready', values: loaded, saving: false, failure: null });
        },
        (error: Error) => {
          if (!cancelled) setSettings({ kind: 'failed', message: error.message });
        },
      );
    return () => {
      cancelled = true;
    };
  }, [apiBase, room, tokens]);

  const changeSetting = async (name: keyof RoomSettingsResponse, on: boolean) => {
    if (settings.kind !== 'ready') return;
    const before = settings.values;
    setSettings({ kind: 'ready', values: { ...before, [name]: on }, saving: true, failure: null });
    try {
      const saved = await saveRoomSettings(apiBase, room, { [name]: on }, await editToken(tokens));
      setSettings({ kind: 'ready', values: saved, saving: false, failure: null });
    } catch (error) {
      // The switch goes back to what the server still holds.
      setSettings({ kind: 'ready', values: before, saving: false, failure: (error as Error).message });
    }
  };

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

      <RotatableLinkSection
        kind="comment"
        hint="People with the comment link see the document live and can comment, but cannot change the text and never see the edit link."
        holders="anyone commenting through it"
        room={room}
        apiBase={apiBase}
        tokens={tokens}
        api={COMMENT_LINK_API}
        linkFor={(commentId) => commentLinkFor(origin, commentId)}
      />

      <RotatableLinkSection
        kind="view"
        hint="People with the view link can read along as you write, but cannot edit and never see the edit link."
        holders="anyone reading through it"
        room={room}
        apiBase={apiBase}
        tokens={tokens}
        api={VIEW_LINK_API}
        linkFor={(viewId) => viewLinkFor(origin, viewId)}
      />

      <section className="share-section">
        <label className="share-toggle">
          <input
            type="checkbox"
            aria-describedby={historyHintId}
            checked={settings.kind === 'ready' && settings.values.historyVisibleToViewers}
            disabled={settings.kind !== 'ready' || settings.saving}
            onChange={(event) => void changeSetting('historyVisibleToViewers', event.target.checked)}
          />
          Viewers can see history and authors
        </label>
        <p id={historyHintId} className="muted share-hint">
          Off: people with the view link see only the document as it is now. On: they can also open earlier versions and
          see who wrote what.
        </p>
        <label className="share-toggle">
          <input
            type="checkbox"
            aria-describedby={commentsHintId}
            checked={settings.kind === 'ready' && settings.values.commentsVisibleToViewers}
            disabled={settings.kind !== 'ready' || settings.saving}
            onChange={(event) => void changeSetting('commentsVisibleToViewers', event.target.checked)}
          />
          Viewers can see comments
        </label>
        <p id={commentsHintId} className="muted share-hint">
          Off: people with the view link see no comments. On: they can read the comment threads, but not add to them.
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

/** The bearer token for link calls: the page's edit token in token mode, none otherwise. */
function editToken(tokens: TokenKeeper | null): Promise<string | null> {
  return tokens ? tokens.getToken() : Promise.resolve(null);
}
