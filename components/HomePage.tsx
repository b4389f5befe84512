'use client';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { displayTitle } from '../lib/editor/document-title';
import { createRoomId } from '../lib/protocol/room-id';
import { useRecentDocuments } from './hooks/use-recent-documents';
import { ImportMarkdownButton } from './ImportMarkdownButton';
import { ThemeToggle } from './ThemeToggle';

/** Home: start a new document, or reopen one from this browser's recent list. */
export function HomePage() {
  const router = useRouter();
  const recent = useRecentDocuments();
  const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

  return (
    <main className="home">
      <header className="home-header">
        <h1>Tandem</h1>
        <p className="tagline">Write together, in real time. Your server, your documents.</p>
        <ThemeToggle />
      </header>
      <button type="button" className="button-primary" onClick={() => router.push(`/d/${createRoomId()}`)}>
        New document
      </button>
      <ImportMarkdownButton />
      <section aria-labelledby="recent-heading" className="recent">
        <h2 id="recent-heading">Recent documents</h2>
        {recent.length === 0 ? (
          <p className="muted">Documents you open in this browser appear here.</p>
        ) : (
          <ul className="recent-list">
            {recent.map((document) => (
              <li key={document.room}>
                <Link href={`/d/${document.room}`}>
                  <span className="recent-room">{displayTitle(document.title)}</span>
                  <span className="muted"> · opened {dateFormat.format(document.openedAt)}</span>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </section>
    </main>
  );
}
