/**
 * "HTML with comments": the open threads as numbered footnotes of the exported page. Each
 * thread gets a superscript number after the end of its text, linking to its note in a
 * "Comments" section at the end (quote, then each comment with author and date, and a
 * suggested change), which links back. Threads whose text was deleted are listed after the
 * numbered ones, under "On deleted text", with no number in the text. Resolved threads are left out (they are done).
 *
 * The numbers go into the document as unique plain-text tokens before it becomes HTML (so
 * they sit exactly where the text ends, inside whatever marks and blocks it is in) and are
 * replaced by the footnote links afterwards.
 */
import type { Node as ProseMirrorNode } from '@tiptap/pm/model';
import { EditorState } from '@tiptap/pm/state';
import { bodyParts } from '../comments/comment-links';
import type { CommentThread } from '../protocol/comments';
import { commentRanges } from './comment-mark';
import { escapeHtml } from './html-export';

/** Threads by id, as the page holds them (lib/client/comments-client.ts). */
type Threads = Readonly<Record<string, CommentThread>>;

export interface CommentedExport {
  /** The document's HTML with the footnote numbers in the text. */
  bodyHtml: string;
  /** The "Comments" section ('' when no thread is open). */
  notesHtml: string;
}

/**
 * `doc` as HTML (through `toHtml`, the editor's own serializer) with its open threads as
 * footnotes. `formatTime` writes a comment's date (the page's locale).
 */
export function exportWithComments(
  doc: ProseMirrorNode,
  threads: Threads,
  toHtml: (doc: ProseMirrorNode) => string,
  formatTime: (time: number) => string,
): CommentedExport {
  const ranges = commentRanges(doc);
  const open = Object.entries(threads).filter(([, thread]) => thread.resolvedAt === null);
  const anchored = [...ranges.keys()].filter((id) => threads[id]?.resolvedAt === null);
  const orphaned = open.filter(([id]) => !ranges.has(id)).map(([id]) => id);
  if (anchored.length === 0 && orphaned.length === 0) return { bodyHtml: toHtml(doc), notesHtml: '' };

  // A token no document text can hold: letters the text would have to contain by chance.
  const nonce = Math.random().toString(36).slice(2, 10);
  const token = (number: number) => `\u2063tandem-note-${nonce}-${number}\u2063`;
  const ends = anchored.map((id, index) => ({ number: index + 1, at: ranges.get(id)!.at(-1)!.to }));
  let tr = EditorState.create({ doc }).tr;
  // From the end, so earlier positions stay valid; the same end keeps numbers in order.
  for (const { number, at } of [...ends].sort((a, b) => b.at - a.at || b.number - a.number)) tr = tr.insertText(token(number), at);
  let bodyHtml = toHtml(tr.doc);
  for (const { number } of ends) {
    bodyHtml = bodyHtml.replace(
      token(number),
      `<sup class="comment-ref"><a href="#comment-${number}" id="comment-ref-${number}" aria-label="Comment ${number}">${number}</a></sup>`,
    );
  }

  const notesHtml = [
    '<section class="comments" aria-labelledby="comments-heading">',
    '<h2 id="comments-heading">Comments</h2>',
    ...(anchored.length ? ['<ol class="comment-notes">', ...anchored.map((id, index) => noteHtml(threads[id], index + 1, formatTime)), '</ol>'] : []),
    ...(orphaned.length ? ['<h3>On deleted text</h3>', '<ul class="comment-notes">', ...orphaned.map((id) => noteHtml(threads[id], null, formatTime)), '</ul>'] : []),
    '</section>',
  ].join('\n');
  return { bodyHtml, notesHtml };
}

/** One thread's note: numbered with a link back to the text, or "On deleted text". */
function noteHtml(thread: CommentThread, number: number | null, formatTime: (time: number) => string): string {
  const quote = `<q>${escapeHtml(thread.quote.text)}</q>`;
  const back = number === null ? '' : ` <a href="#comment-ref-${number}" aria-label="Back to the text of comment ${number}">↩</a>`;
  const head = `<p class="comment-note-quote">${quote}${back}</p>`;
  const suggestion = thread.suggestion
    ? `<p class="comment-note-suggestion">${
        thread.suggestion.text === ''
          ? `Suggests deleting “${escapeHtml(thread.quote.text)}”`
          : `Suggests “${escapeHtml(thread.suggestion.text)}” instead`
      } (${thread.suggestion.state === 'open' ? 'not decided yet' : thread.suggestion.state})</p>`
    : '';
  const comments = thread.comments
    .filter((comment) => !comment.deleted)
    .map(
      (comment) =>
        `<p class="comment-note"><strong>${escapeHtml(comment.author.name)}</strong> <time datetime="${new Date(comment.createdAt).toISOString()}">${escapeHtml(
          formatTime(comment.createdAt),
        )}</time>: ${linkedBody(comment.body)}</p>`,
    );
  return [number === null ? '<li>' : `<li id="comment-${number}">`, head, suggestion, ...comments, '</li>'].filter(Boolean).join('\n');
}

/** A plain-text body with its links made links, as the margin shows it; everything else escaped. */
function linkedBody(body: string): string {
  return bodyParts(body)
    .map((part) => (part.kind === 'link' ? `<a href="${escapeHtml(part.href)}" rel="noopener noreferrer nofollow">${escapeHtml(part.text)}</a>` : escapeHtml(part.text)))
    .join('');
}
