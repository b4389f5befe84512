'use client';
import { useSyncExternalStore } from 'react';
import type { DocumentDeletion } from '../../lib/client/document-deletion';

const subscribeToNothing = () => () => {};

/** Whether the open document was deleted by an administrator (lib/client/document-deletion.ts). */
export function useDocumentDeleted(deletion: DocumentDeletion | undefined): boolean {
  return useSyncExternalStore(deletion?.subscribe ?? subscribeToNothing, deletion?.getState ?? (() => false), () => false);
}
