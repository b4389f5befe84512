'use client';
import dynamic from 'next/dynamic';

/**
 * The editor only runs in the browser (it needs the Y.Doc, the socket and localStorage), so it
 * is loaded client-side only; this also keeps a second copy of Yjs out of the server process.
 */
export const EditorPageLoader = dynamic(() => import('./EditorPage').then((module) => module.EditorPage), {
  ssr: false,
  loading: () => <p className="muted page-loading">Opening document…</p>,
});
