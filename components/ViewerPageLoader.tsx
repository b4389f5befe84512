'use client';
import dynamic from 'next/dynamic';

/**
 * The viewer only runs in the browser (it needs the Y.Doc, the socket and localStorage), so it
 * is loaded client-side only, like the editor (see EditorPageLoader).
 */
export const ViewerPageLoader = dynamic(() => import('./ViewerPage').then((module) => module.ViewerPage), {
  ssr: false,
  loading: () => <p className="muted page-loading">Opening document…</p>,
});
