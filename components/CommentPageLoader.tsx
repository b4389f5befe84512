'use client';
import dynamic from 'next/dynamic';

/** The comment page runs only in the browser, like the viewer (see ViewerPageLoader). */
export const CommentPageLoader = dynamic(() => import('./CommentPage').then((module) => module.CommentPage), {
  ssr: false,
  loading: () => <p className="muted page-loading">Opening document…</p>,
});
