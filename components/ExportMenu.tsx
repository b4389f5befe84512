'use client';
import type { Editor } from '@tiptap/react';
import { useCallback, useId, useRef, useState } from 'react';
import type * as Y from 'yjs';
import { getHTMLFromFragment } from '@tiptap/core';
import type { ThreadsById } from '../lib/client/comments-client';
import { fullTime } from '../lib/comments/relative-time';
import { exportWithComments } from '../lib/editor/comment-export';
import { downloadFile, fileStemFor } from '../lib/editor/download-file';
import { standaloneHtml } from '../lib/editor/html-export';
import { jsonToMarkdown } from '../lib/editor/markdown';
import { TITLE_TEXT_NAME } from '../lib/protocol/document-schema';
import { useCloseOnOutsidePointer } from './hooks/use-close-on-outside-pointer';

interface Props {
  editor: Editor;
  /** The shared doc, for the document title (a Y.Text named "title"). */
  doc: Y.Doc;
  /** The page's comment threads, when it has them: offers "HTML with comments". */
  threads?: ThreadsById;
}

/** The document title as it is now, or "Untitled". */
function currentTitle(doc: Y.Doc): string {
  return doc.getText(TITLE_TEXT_NAME).toString().trim() || 'Untitled';
}

/**
 * "Export": the document as a Markdown file (GFM), as a standalone HTML page (with its open
 * comments as footnotes, if asked), or printed (the browser's print dialog, which also saves
 * PDF; app/styles/print.css). A disclosure
 * button with a short list of actions; Escape or a click elsewhere closes it.
 */
export function ExportMenu({ editor, doc, threads }: Props) {
  const [open, setOpen] = useState(false);
  const containerRef = useRef<HTMLDivElement>(null);
  const toggleRef = useRef<HTMLButtonElement>(null);
  const listId = useId();

  useCloseOnOutsidePointer(containerRef, open, useCallback(() => setOpen(false), []));

  const finish = () => {
    setOpen(false);
    toggleRef.current?.focus();
  };
  const exportMarkdown = () => {
    const title = currentTitle(doc);
    downloadFile(`${fileStemFor(title)}.md`, jsonToMarkdown(editor.getJSON()), 'text/markdown');
    finish();
  };
  const exportHtml = () => {
    const title = currentTitle(doc);
    downloadFile(`${fileStemFor(title)}.html`, standaloneHtml(title, editor.getHTML()), 'text/html');
    finish();
  };
  const exportHtmlWithComments = () => {
    const title = currentTitle(doc);
    const { bodyHtml, notesHtml } = exportWithComments(editor.state.doc, threads ?? {}, (changed) => getHTMLFromFragment(changed.content, editor.schema), fullTime);
    downloadFile(`${fileStemFor(title)}.html`, standaloneHtml(title, bodyHtml, notesHtml), 'text/html');
    finish();
  };
  const hasOpenThreads = Object.values(threads ?? {}).some((thread) => thread.resolvedAt === null);
  const print = () => {
    finish();
    window.print();
  };

  return (
    <div
      ref={containerRef}
      className="export-menu"
      onKeyDown={(event) => {
        if (event.key === 'Escape' && open) {
          event.preventDefault();
          finish();
        }
      }}
    >
      <button
        ref={toggleRef}
        type="button"
        className="button-secondary"
        aria-expanded={open}
        aria-controls={listId}
        onClick={() => setOpen((wasOpen) => !wasOpen)}
      >
        Export
      </button>
      <ul id={listId} className="export-menu-list" hidden={!open}>
        <li>
          <button type="button" className="export-menu-item" onClick={exportMarkdown}>
            Markdown (.md)
          </button>
        </li>
        <li>
          <button type="button" className="export-menu-item" onClick={exportHtml}>
            HTML (.html)
          </button>
        </li>
        {hasOpenThreads && (
          <li>
            <button type="button" className="export-menu-item" onClick={exportHtmlWithComments}>
              HTML with comments (.html)
            </button>
          </li>
        )}
        <li>
          <button type="button" className="export-menu-item" onClick={print}>
            Print / Save as PDF
          </button>
        </li>
        <li className="export-menu-note muted">
          {hasOpenThreads ? 'Markdown, HTML and print leave comments out; “HTML with comments” adds the open ones as footnotes.' : 'Exports leave comments out.'}
        </li>
      </ul>
    </div>
  );
}
