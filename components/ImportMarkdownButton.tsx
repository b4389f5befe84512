'use client';
import { useRouter } from 'next/navigation';
import { useId, useRef, useState, type ChangeEvent } from 'react';
import { markdownToJSON } from '../lib/editor/markdown';
import { stashImport } from '../lib/editor/pending-import';
import { createRoomId } from '../lib/protocol/room-id';

/** Larger files are refused before reading: far past any document people write by hand. */
const MAX_IMPORT_BYTES = 5 * 1024 * 1024;

/** The file's name without its Markdown extension, as the new document's title. */
function titleFromFileName(fileName: string): string {
  return fileName.replace(/\.(md|markdown|mdown|mkd|txt)$/i, '').trim();
}

/**
 * "Import Markdown": reads a .md file, converts it here (lib/editor/markdown.ts) and opens a NEW
 * document that receives it once (lib/editor/pending-import.ts). The file never leaves the browser
 * except as the document's own content.
 */
export function ImportMarkdownButton() {
  const router = useRouter();
  const inputRef = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [importing, setImporting] = useState(false);
  const errorId = useId();

  const importFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    setError(null);
    if (file.size > MAX_IMPORT_BYTES) {
      setError(`“${file.name}” is too large to import (over 5 MB).`);
      return;
    }
    setImporting(true);
    try {
      const content = markdownToJSON(await file.text());
      const room = createRoomId();
      stashImport(window.sessionStorage, room, { content, title: titleFromFileName(file.name) });
      router.push(`/d/${room}`);
    } catch (failure) {
      setError(`“${file.name}” could not be imported: ${(failure as Error).message}`);
      setImporting(false);
    }
  };

  return (
    <div className="import-markdown">
      <button
        type="button"
        className="button-secondary import-markdown-button"
        disabled={importing}
        aria-describedby={error ? errorId : undefined}
        onClick={() => inputRef.current?.click()}
      >
        {importing ? 'Importing…' : 'Import Markdown'}
      </button>
      <input
        ref={inputRef}
        type="file"
        accept=".md,.markdown,text/markdown"
        hidden
        tabIndex={-1}
        aria-hidden="true"
        onChange={(event) => void importFile(event)}
      />
      <p id={errorId} role="alert" className="import-markdown-error">
        {error}
      </p>
    </div>
  );
}
