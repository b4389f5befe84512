'use client';
import type { Editor, EditorEvents } from '@tiptap/core';
import { ySyncPluginKey } from '@tiptap/y-tiptap';
import { useEffect } from 'react';
import type { Awareness } from 'y-protocols/awareness';
import { ACTIVITY_PUBLISH_INTERVAL_MS, LAST_ACTIVE_FIELD, shouldPublishActivity } from '../../lib/presence/presence-activity';

/**
 * Publishes `lastActive` in our awareness state when we edit or move our selection (not when
 * someone else's change arrives), throttled: the first activity at once, the latest one of
 * each interval at its end, so others see us idle only when we really stopped.
 */
export function useActivityBeacon(editor: Editor | null, awareness: Awareness): void {
  useEffect(() => {
    if (!editor) return;
    let lastPublished: number | null = null;
    let latest = Date.now();
    let trailing: ReturnType<typeof setTimeout> | null = null;
    const publish = () => {
      trailing = null;
      lastPublished = latest;
      awareness.setLocalStateField(LAST_ACTIVE_FIELD, latest);
    };
    const onActivity = () => {
      latest = Date.now();
      if (shouldPublishActivity(lastPublished, latest)) publish();
      else trailing ??= setTimeout(publish, ACTIVITY_PUBLISH_INTERVAL_MS - (latest - (lastPublished ?? latest)));
    };
    const onTransaction = ({ transaction }: EditorEvents['transaction']) => {
      const sync = transaction.getMeta(ySyncPluginKey) as { isChangeOrigin?: boolean } | undefined;
      if (sync?.isChangeOrigin) return;
      if (transaction.docChanged || transaction.selectionSet) onActivity();
    };
    // Opening the document counts as activity.
    publish();
    editor.on('transaction', onTransaction);
    return () => {
      editor.off('transaction', onTransaction);
      if (trailing) clearTimeout(trailing);
    };
  }, [editor, awareness]);
}
