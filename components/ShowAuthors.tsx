'use client';
import type { AuthorTally } from '../lib/authorship/author-paint';

/** The header's "Show authors" switch: a pressed-state button, remembered by the caller. */
export function ShowAuthorsButton({ on, onChange }: { on: boolean; onChange: (on: boolean) => void }) {
  return (
    <button type="button" className="button-secondary show-authors-button" aria-pressed={on} onClick={() => onChange(!on)}>
      Show authors
    </button>
  );
}

/**
 * Who wrote the document, while "Show authors" is on: each author's colour (as their text
 * shows it) and name, "you" marked. Names only come from people's own presence names.
 */
export function AuthorLegend({ authors, failure }: { authors: AuthorTally[]; failure: string | null }) {
  return (
    <section className="author-legend" aria-label="Authors">
      <span className="author-legend-title">Written by</span>
      {authors.length === 0 ? (
        <span className="muted">nobody yet</span>
      ) : (
        <ul className="author-legend-list">
          {authors.map((author) => (
            <li key={author.id} className="author-legend-entry" data-author={author.id}>
              <span className="author-swatch author-run" style={{ ['--author-color' as string]: author.color }} aria-hidden="true" />
              {author.name}
              {author.isSelf && <span className="muted"> (you)</span>}
            </li>
          ))}
        </ul>
      )}
      {failure && (
        <span role="status" className="author-legend-failure">
          Could not ask the server who wrote what ({failure}); people here now are shown.
        </span>
      )}
    </section>
  );
}
