/**
 * The one TipTap schema and extension list of a Tandem document, shared by the editor and the
 * read-only viewer so both render the same Yjs content the same way.
 */
import Collaboration from '@tiptap/extension-collaboration';
import CollaborationCaret from '@tiptap/extension-collaboration-caret';
import type { Extensions } from '@tiptap/core';
import { Placeholder } from '@tiptap/extensions';
import StarterKit from '@tiptap/starter-kit';
import type { WebsocketProvider } from 'y-websocket';
import type * as Y from 'yjs';
import type { PresenceUser } from './presence-user';

interface ExtensionOptions {
  doc: Y.Doc;
  provider: WebsocketProvider;
  /** This person's awareness `user` field, drawn on their caret for everyone else. */
  user: PresenceUser;
  /** Shown in an empty document. */
  placeholder: string;
}

/** The extensions for a document bound to `doc`; content comes only from the doc. */
export function documentExtensions({ doc, provider, user, placeholder }: ExtensionOptions): Extensions {
  return [
    // StarterKit's own history would undo other people's edits too; Collaboration brings yUndo.
    StarterKit.configure({ undoRedo: false }),
    Collaboration.configure({ document: doc }),
    CollaborationCaret.configure({ provider, user }),
    Placeholder.configure({ placeholder }),
  ];
}
