'use client';
import { useEffect } from 'react';
import { tabTitleFor } from '../../lib/editor/document-title';

/** Names the browser tab after the document ("<title> — Tandem"), live as it is renamed. */
export function useTabTitle(title: string): void {
  useEffect(() => {
    document.title = tabTitleFor(title);
  }, [title]);
}
