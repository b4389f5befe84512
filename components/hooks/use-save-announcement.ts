'use client';
import { useMemo, useSyncExternalStore } from 'react';
import { SaveAnnouncements } from '../../lib/client/save-announcement';
import type { SaveTracker } from '../../lib/client/save-tracker';

/** The latest save announcement for a screen reader (lib/client/save-announcement.ts): '' until there is one. */
export function useSaveAnnouncement(tracker: SaveTracker): string {
  const announcements = useMemo(() => new SaveAnnouncements(tracker), [tracker]);
  return useSyncExternalStore(announcements.subscribe, announcements.getSnapshot, () => '');
}
