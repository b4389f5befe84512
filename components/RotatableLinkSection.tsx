'use client';
import { useEffect, useId, useRef, useState } from 'react';
import type { TokenKeeper } from '../lib/client/token-client';
import { CopyLinkField } from './CopyLinkField';

/** The words for one kind of link: "view" or "comment". */
interface LinkWords {
  /** "view" → "View link", "Copy view link", "Create a new view link", … */
  kind: 'view' | 'comment';
  /** Who holds it and what they can do, under the field. */
  hint: string;
  /** Who is disconnected when it is replaced ("anyone reading through it"). */
  holders: string;
}

/** The API calls for one kind of link (lib/client/api-client.ts), each given the edit token in token mode. */
export interface LinkApi {
  /** The link's id (the server creates one on first use). */
  fetch(apiBase: string, room: string, editToken: string | null): Promise<string>;
  /** Replaces the id; resolves with the new one. */
  rotate(apiBase: string, room: string, editToken: string | null): Promise<string>;
}

interface Props extends LinkWords {
  room: string;
  apiBase: string;
  /** Token mode: the page's edit token authorizes the calls. */
  tokens: TokenKeeper | null;
  api: LinkApi;
  /** The shareable URL for an id. */
  linkFor: (id: string) => string;
}

type LinkState = { kind: 'loading' } | { kind: 'ready'; id: string } | { kind: 'failed'; message: string };

type RotationState =
  | { kind: 'idle' }
  | { kind: 'confirming' }
  | { kind: 'rotating' }
  | { kind: 'rotated' }
  | { kind: 'failed'; message: string };

/**
 * One link that leads to the room without naming it (view or comment): the field with its copy
 * button, a retry when it could not be loaded, and replacing it after a confirmation that says
 * who is cut off. Focus returns to the "Create a new … link" button when a rotation ends.
 */
export function RotatableLinkSection({ kind, hint, holders, room, apiBase, tokens, api, linkFor }: Props) {
  const createButtonRef = useRef<HTMLButtonElement>(null);
  const warningId = useId();
  const [link, setLink] = useState<LinkState>({ kind: 'loading' });
  const [loadAttempt, setLoadAttempt] = useState(0);
  const [rotation, setRotation] = useState<RotationState>({ kind: 'idle' });
  const label = `${kind[0].toUpperCase()}${kind.slice(1)} link`;

  useEffect(() => {
    let cancelled = false;
    editToken(tokens)
      .then((token) => api.fetch(apiBase, room, token))
      .then(
      (id) => {
        if (!cancelled) setLink({ kind: 'ready', id });
      },
      (error: Error) => {
        if (!cancelled) setLink({ kind: 'failed', message: error.message });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api, apiBase, room, tokens, loadAttempt]);

  const replace = async () => {
    setRotation({ kind: 'rotating' });
    try {
      setLink({ kind: 'ready', id: await api.rotate(apiBase, room, await editToken(tokens)) });
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
    <section className="share-section">
      <CopyLinkField
        // Keyed by the link, so a "Copied" from the previous link does not linger on a new one.
        key={link.kind === 'ready' ? link.id : link.kind}
        label={label}
        copyLabel={`Copy ${kind} link`}
        link={link.kind === 'ready' ? linkFor(link.id) : null}
        pendingText={link.kind === 'failed' ? 'Not available' : 'Loading…'}
      />
      {link.kind === 'failed' && (
        <div role="alert" className="notice notice-error">
          <p>
            Could not load the {kind} link: {link.message}
          </p>
          <button
            type="button"
            className="button-secondary"
            onClick={() => {
              setLink({ kind: 'loading' });
              setLoadAttempt((attempt) => attempt + 1);
            }}
          >
            Try again
          </button>
        </div>
      )}
      <p className="muted share-hint">{hint}</p>

      <button
        ref={createButtonRef}
        type="button"
        className="button-secondary"
        aria-expanded={confirming}
        // Never disabled while rotating: focus returns here when the rotation ends.
        disabled={link.kind !== 'ready'}
        onClick={() => setRotation({ kind: 'confirming' })}
      >
        Create a new {kind} link
      </button>
      {confirming && (
        <div role="group" aria-labelledby={warningId} className="share-confirm">
          <p id={warningId}>
            The current {kind} link will stop working at once, and {holders} will be disconnected.
          </p>
          <div className="share-confirm-actions">
            <button type="button" className="button-danger" disabled={rotation.kind === 'rotating'} onClick={() => void replace()}>
              {rotation.kind === 'rotating' ? `Creating a new ${kind} link…` : `Yes, create a new ${kind} link`}
            </button>
            {/* Focused first: the safe choice is the one Enter picks. */}
            <button type="button" className="button-secondary" autoFocus disabled={rotation.kind === 'rotating'} onClick={cancelRotation}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {rotation.kind === 'rotated' && (
        <p role="status" className="notice notice-success">
          New {kind} link created. The old one no longer works.
        </p>
      )}
      {rotation.kind === 'failed' && (
        <p role="alert" className="notice notice-error">
          Could not create a new {kind} link: {rotation.message}
        </p>
      )}
    </section>
  );
}

/** The bearer token for link calls: the page's edit token in token mode, none otherwise. */
function editToken(tokens: TokenKeeper | null): Promise<string | null> {
  return tokens ? tokens.getToken() : Promise.resolve(null);
}
