'use client';
import { useEditorState, type Editor } from '@tiptap/react';
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { Awareness } from 'y-protocols/awareness';
import { ApiError, fetchAuthorshipOf } from '../../lib/client/api-client';
import { createAuthorDirectory } from '../../lib/authorship/author-directory';
import type { AuthorTally } from '../../lib/authorship/author-paint';
import { authorshipState, showAuthors } from '../../lib/authorship/authorship-colors';
import { authorIdForKey } from '../../lib/authorship/own-author-id';
import type { Identity, PresenceIdentity } from '../../lib/prefs/identity';
import { readPresenceUser } from '../../lib/presence/presence-user';
import type { AuthorshipResponse, HistoryTarget } from '../../lib/protocol/history-api';
import type { CommentSession, EditSession, ViewSession } from './use-document-session';

/** How long after someone unknown writes the server is asked again (one answer for a burst). */
export const AUTHORSHIP_REFETCH_DELAY_MS = 500;

export interface AuthorColors {
  /** Whether this page may show authors: always for editors; for viewers, if the room allows it. */
  available: boolean;
  /** Authors with text in the document, while on. */
  legend: AuthorTally[];
  /** Why the server's authorship could not be read (colours then come from presence only). */
  failure: string | null;
}

/**
 * Drives "Show authors" for one open document: while `on`, it asks the server who wrote with
 * which client id (again, a moment after text of someone it cannot name appears), names
 * people present from presence meanwhile, and hands the editor's AuthorshipColors extension a
 * directory; while off, the extension holds nothing. A viewer asks once on opening, to learn
 * whether the room lets viewers see authors (403 hides the toggle).
 */
export function useAuthorColors(
  editor: Editor | null,
  session: EditSession | CommentSession | ViewSession | null,
  target: HistoryTarget,
  identity: Identity | null,
  on: boolean,
): AuthorColors {
  const [authorship, setAuthorship] = useState<AuthorshipResponse | null>(null);
  const [viewerAccess, setViewerAccess] = useState<'unknown' | 'allowed' | 'refused'>('unknown');
  const [failure, setFailure] = useState<string | null>(null);
  const [askCount, setAskCount] = useState(0);
  const asked = useRef(new Set<number>());
  // A commenter sees authors exactly when a viewer does (the room's historyVisibleToViewers).
  const viewing = session !== null && session.kind !== 'edit';
  const targetKey = 'room' in target ? `room:${target.room}` : 'viewId' in target ? `view:${target.viewId}` : `comment:${target.commentId}`;
  const wanted = on || (viewing && viewerAccess === 'unknown');

  useEffect(() => {
    if (!session || !wanted) return;
    let cancelled = false;
    const tokens = session.tokens;
    (tokens ? tokens.getToken() : Promise.resolve(null))
      .then((token) => fetchAuthorshipOf(session.apiBase, target, token))
      .then(
        (answer) => {
          if (cancelled) return;
          setAuthorship(answer);
          setFailure(null);
          setViewerAccess('allowed');
        },
        (error: Error) => {
          if (cancelled) return;
          if (session.kind !== 'edit' && error instanceof ApiError && error.status === 403) setViewerAccess('refused');
          else setFailure(error.message);
        },
      );
    return () => {
      cancelled = true;
    };
    // targetKey stands for target, whose object identity changes every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [session, targetKey, wanted, askCount]);

  const presence = usePresenceUsers(session?.provider.awareness ?? null);
  const available = !viewing || viewerAccess === 'allowed';
  const directory = useMemo(() => {
    if (!session || !identity) return null;
    return createAuthorDirectory({
      authorship,
      presence,
      self: { clientId: session.doc.clientID, authorId: authorIdForKey(identity.authorKey), identity },
    });
  }, [session, identity, authorship, presence]);

  useEffect(() => {
    if (!editor || editor.isDestroyed) return;
    showAuthors(editor, on && available ? directory : null);
  }, [editor, on, available, directory]);

  // Text from a client the server has not named: ask again shortly (once per such client).
  useEffect(() => {
    if (!editor || !on || !available) return;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const check = () => {
      const fresh = (authorshipState(editor.state)?.paint.unboundClients ?? []).filter((client) => !asked.current.has(client));
      if (fresh.length === 0 || timer) return;
      fresh.forEach((client) => asked.current.add(client));
      timer = setTimeout(() => {
        timer = null;
        setAskCount((count) => count + 1);
      }, AUTHORSHIP_REFETCH_DELAY_MS);
    };
    check();
    editor.on('transaction', check);
    return () => {
      editor.off('transaction', check);
      if (timer) clearTimeout(timer);
    };
  }, [editor, on, available]);

  const legend = useEditorState({
    editor,
    selector: ({ editor: current }) => (current ? (authorshipState(current.state)?.paint.authors ?? []) : []),
  });
  return { available, legend: on && available ? (legend ?? []) : [], failure: on ? failure : null };
}

const NO_PRESENCE: ReadonlyMap<number, PresenceIdentity> = new Map();

/**
 * Presence names and colours by client id; a new map only when someone's name or colour
 * changes (caret moves change presence too, and must not repaint the document).
 */
function usePresenceUsers(awareness: Awareness | null): ReadonlyMap<number, PresenceIdentity> {
  const store = useMemo(() => {
    if (!awareness) return null;
    let signature = '';
    let users: ReadonlyMap<number, PresenceIdentity> = NO_PRESENCE;
    const read = () => {
      const next = new Map<number, PresenceIdentity>();
      awareness.getStates().forEach((state, client) => {
        const user = readPresenceUser(state);
        if (user) next.set(client, { name: user.name, color: user.color });
      });
      const nextSignature = JSON.stringify([...next]);
      if (nextSignature !== signature) {
        signature = nextSignature;
        users = next;
      }
      return users;
    };
    read();
    return {
      subscribe(onChange: () => void) {
        const update = () => {
          const before = users;
          if (read() !== before) onChange();
        };
        awareness.on('change', update);
        return () => awareness.off('change', update);
      },
      getSnapshot: () => users,
    };
  }, [awareness]);
  const subscribe = store?.subscribe ?? noSubscription;
  const getSnapshot = store?.getSnapshot ?? noPresence;
  return useSyncExternalStore(subscribe, getSnapshot, noPresence);
}

const noSubscription = () => () => {};
const noPresence = () => NO_PRESENCE;
