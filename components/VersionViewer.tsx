'use client';
import Collaboration from '@tiptap/extension-collaboration';
import { EditorContent, useEditor, type Editor } from '@tiptap/react';
import { ySyncPluginKey } from '@tiptap/y-tiptap';
import { useEffect, useMemo } from 'react';
import * as Y from 'yjs';
import { UNKNOWN_AUTHOR_COLOR, type HistoryAuthorship } from '../lib/history/attribution';
import { listChanges, type Change } from '../lib/history/change-list';
import { historyContentExtensions, showCurrentChange } from '../lib/history/history-schema';
import { pageNonce } from '../lib/protocol/csp-nonce';

/** Two full states (v2 updates): the diff shows `snapshot`, marking what changed since `prevSnapshot`. */
export interface VersionDiff {
  snapshot: Uint8Array;
  prevSnapshot: Uint8Array;
}

interface Props {
  authorship: HistoryAuthorship;
  diff: VersionDiff | null;
  /** The change to outline and scroll to. */
  currentChange: Change | null;
  /** Told the changes of each diff once it is rendered. */
  onRendered: (changes: Change[]) => void;
  /** Accessible name of the read-only document (read when the viewer is created). */
  label: string;
}

/**
 * A read-only TipTap editor that shows versions, apart from the live one: bound to a private
 * gc:false Y.Doc that no provider ever sees, with the change marks in its schema and the
 * server's attribution as y-tiptap's permanentUserData. y-tiptap renders each diff from two
 * state blobs into a history doc of its own, so nothing here can reach the live document.
 */
export function VersionViewer({ authorship, diff, currentChange, onRendered, label }: Props) {
  const doc = useMemo(() => new Y.Doc({ gc: false }), []);
  useEffect(() => () => doc.destroy(), [doc]);

  const editor = useEditor(
    {
      immediatelyRender: false,
      injectNonce: pageNonce(),
      editable: false,
      extensions: [
        ...historyContentExtensions(),
        Collaboration.configure({
          document: doc,
          ySyncOptions: {
            // Duck-typed: y-tiptap reads only dss, getUserByClientId and getUserByDeletedId.
            permanentUserData: authorship.attribution as unknown as Y.PermanentUserData,
            colors: [{ light: UNKNOWN_AUTHOR_COLOR, dark: UNKNOWN_AUTHOR_COLOR }],
            // A copy: y-tiptap adds to the map it is given.
            colorMapping: new Map(authorship.colorMapping),
          },
        }),
      ],
      editorProps: {
        attributes: {
          'aria-label': label,
          'aria-multiline': 'true',
          'aria-readonly': 'true',
          role: 'textbox',
          class: 'prose version-prose',
        },
      },
    },
    // New authorship (after a restore) needs a new sync plugin: its options are read once.
    [doc, authorship],
  );

  useEffect(() => {
    if (!editor || !diff) return;
    // y-tiptap renders on a timeout and dispatches the result as a change from Yjs.
    const onTransaction = ({ transaction }: { transaction: { getMeta(key: unknown): unknown; docChanged: boolean } }) => {
      const meta = transaction.getMeta(ySyncPluginKey) as { isChangeOrigin?: boolean } | undefined;
      if (transaction.docChanged && meta?.isChangeOrigin) onRendered(listChanges(editor.state.doc));
    };
    editor.on('transaction', onTransaction);
    editor.view.dispatch(editor.state.tr.setMeta(ySyncPluginKey, { snapshot: diff.snapshot, prevSnapshot: diff.prevSnapshot }));
    return () => {
      editor.off('transaction', onTransaction);
    };
  }, [editor, diff, onRendered]);

  useEffect(() => {
    if (!editor || editor.isDestroyed) return;
    editor.view.dispatch(showCurrentChange(editor.state, currentChange));
    if (currentChange) scrollToChange(editor, currentChange);
  }, [editor, currentChange]);

  return <EditorContent editor={editor} className="editor-surface version-surface" />;
}

function scrollToChange(editor: Editor, change: Change): void {
  const { node } = editor.view.domAtPos(Math.min(change.from + 1, editor.state.doc.content.size));
  const element = node instanceof Element ? node : node.parentElement;
  element?.scrollIntoView({ block: 'center', behavior: 'smooth' });
}
