'use client';
import type { Editor } from '@tiptap/react';
import { memo, useCallback, useEffect, useId, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { bodyParts } from '../lib/comments/comment-links';
import { fullTime, relativeTime } from '../lib/comments/relative-time';
import { COMMENT_THREAD_CLICK, showCommentHighlights } from '../lib/editor/comment-mark';
import type { CommentOp, CommentOpResult, CommentThread, ThreadComment, ThreadSuggestion } from '../lib/protocol/comments';
import { useCardPlacement } from './hooks/use-card-placement';
import type { CommentsState } from './hooks/use-comments';
import { useNow } from './hooks/use-now';
import { useThreadStarts } from './hooks/use-thread-starts';

interface Props {
  editor: Editor;
  comments: CommentsState;
}

/** How often relative times ("5 min ago") are brought up to date. */
const TIME_REFRESH_MS = 30_000;

/** What a thread card acts with: the same object while these stay the same (cards are memoised). */
type CardActions = Pick<CommentsState, 'client' | 'canComment' | 'isEditor' | 'ownAuthorId'>;

interface ListedThread {
  id: string;
  thread: CommentThread;
  /** Its mark is gone: "on deleted text". */
  orphaned: boolean;
}

/** A new id for a thread or comment (COMMENT_ID_PATTERN). */
function newId(): string {
  return crypto.randomUUID().replaceAll('-', '');
}

/**
 * The comments beside the document: the composer for a new thread, then every thread in the
 * order of its text, each a card aligned with its text on wide screens (a plain list on narrow
 * ones), with replies, resolve / reopen, edit / delete for one's own comments, and a thread's
 * suggested change with Accept / Reject for editors. Resolved
 * threads are hidden (and their text not highlighted) unless "Show resolved" is on. Tells the
 * editor's highlights which threads are shown and which is selected.
 *
 * Typing must not cost more with hundreds of threads: a keystroke renders nothing here unless
 * it changes which threads have text or their order (useThreadStarts), and cards are placed
 * after the keystroke is painted (useCardPlacement).
 */
export function CommentsMargin({ editor, comments }: Props) {
  const { threads, selected, select, target, client, canComment, isEditor, ownAuthorId } = comments;
  const [showResolved, setShowResolved] = useState(false);
  const marginRef = useRef<HTMLElement>(null);
  const now = useNow(TIME_REFRESH_MS);
  const { startsRef, order } = useThreadStarts(editor);

  const actions = useMemo<CardActions>(() => ({ client, canComment, isEditor, ownAuthorId }), [client, canComment, isEditor, ownAuthorId]);

  // A click on highlighted text selects its thread and brings its card into view.
  useEffect(() => {
    const dom = editor.view.dom;
    const onClick = (event: Event) => {
      const threadId = (event as CustomEvent<string>).detail;
      select(threadId);
      requestAnimationFrame(() =>
        marginRef.current?.querySelector(`[data-thread-id="${CSS.escape(threadId)}"]`)?.scrollIntoView({ block: 'nearest' }),
      );
    };
    dom.addEventListener(COMMENT_THREAD_CLICK, onClick);
    return () => dom.removeEventListener(COMMENT_THREAD_CLICK, onClick);
  }, [editor, select]);

  const listed = useMemo<ListedThread[]>(() => {
    const rank = new Map(order ? order.split(' ').map((id, index) => [id, index]) : []);
    return Object.entries(threads)
      .filter(([, thread]) => showResolved || thread.resolvedAt === null)
      .map(([id, thread]) => ({ id, thread, orphaned: !rank.has(id) }))
      .sort((a, b) => (rank.get(a.id) ?? Infinity) - (rank.get(b.id) ?? Infinity) || a.thread.createdAt - b.thread.createdAt);
  }, [threads, showResolved, order]);
  const resolvedCount = Object.values(threads).filter((thread) => thread.resolvedAt !== null).length;
  useCardPlacement(marginRef, editor, startsRef, listed);

  // Only when the shown threads change, not on every keystroke (ids hold no spaces).
  const shownIds = listed.map(({ id }) => id).sort().join(' ');
  useEffect(() => {
    showCommentHighlights(editor, { shown: new Set(shownIds ? shownIds.split(' ') : []), selected });
  }, [editor, shownIds, selected]);

  const selectThread = useCallback(
    (id: string) => {
      select(id);
      const from = startsRef.current.get(id);
      if (from !== undefined) revealText(editor, from);
    },
    [editor, select, startsRef],
  );

  return (
    <aside ref={marginRef} className="comments-margin" aria-label="Comments">
      <div className="comments-margin-head">
        <h2 className="comments-heading">Comments</h2>
        {resolvedCount > 0 && (
          <label className="comments-show-resolved">
            <input type="checkbox" checked={showResolved} onChange={(event) => setShowResolved(event.target.checked)} />
            Show resolved ({resolvedCount})
          </label>
        )}
      </div>
      {comments.refusal && !target && (
        <p role="alert" className="comment-failure">
          {comments.refusal}
        </p>
      )}
      {target && <Composer editor={editor} comments={comments} />}
      {listed.length === 0 && !target && (
        <p className="muted comments-empty">{canComment ? 'Select text and choose Comment to start a thread.' : 'No comments.'}</p>
      )}
      <ol className="comments-list">
        {listed.map(({ id, thread, orphaned }) => (
          <li key={id} className="comment-card-slot" data-thread-id={id}>
            <ThreadCard id={id} thread={thread} orphaned={orphaned} selected={selected === id} now={now} actions={actions} onSelect={selectThread} />
          </li>
        ))}
      </ol>
    </aside>
  );
}

/** Brings the thread's text into view without moving this person's selection. */
function revealText(editor: Editor, pos: number): void {
  const dom = editor.view.domAtPos(pos).node;
  const element = dom instanceof Element ? dom : dom.parentElement;
  element?.scrollIntoView({ block: 'nearest' });
}

/** Sends `op`; returns the refusal's message, or null once it is stored. */
async function run(actions: CardActions, op: CommentOp): Promise<string | null> {
  const result: CommentOpResult = await actions.client.send(op);
  return 'ok' in result ? null : result.error;
}

function Composer({ editor, comments }: Props) {
  const target = comments.target!;
  const [body, setBody] = useState('');
  const [suggesting, setSuggesting] = useState(false);
  const [replacement, setReplacement] = useState(target.quote.text);
  const [prefilledFrom, setPrefilledFrom] = useState(target.quote.text);
  // A new selection while composing: the replacement starts again from its text (the draft stays).
  if (prefilledFrom !== target.quote.text) {
    setPrefilledFrom(target.quote.text);
    setReplacement(target.quote.text);
  }
  const [failure, setFailure] = useState<string | null>(null);
  const [posting, setPosting] = useState(false);
  const textareaRef = useRef<HTMLTextAreaElement>(null);
  const quoteId = useId();
  // The server replaces text within one paragraph only (see README, "Suggested changes").
  const canSuggest = !target.quote.text.includes('\n');
  const suggestion = suggesting && canSuggest ? { text: replacement } : undefined;
  const unchanged = suggestion !== undefined && suggestion.text === target.quote.text;

  useEffect(() => textareaRef.current?.focus(), [target]);

  const post = async (event?: FormEvent) => {
    event?.preventDefault();
    if (body.trim() === '' || posting || unchanged) return;
    setPosting(true);
    const threadId = newId();
    const failed = await run(comments, { op: 'create', threadId, commentId: newId(), quote: target.quote, anchor: target.anchor, body, ...(suggestion && { suggestion }) });
    setPosting(false);
    // A refusal keeps the draft, to try again.
    if (failed) return setFailure(failed);
    comments.cancelComment();
    comments.select(threadId);
  };
  const cancel = () => {
    comments.cancelComment();
    editor.commands.focus();
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') cancel();
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) void post();
  };

  return (
    <form className="comment-card comment-composer" aria-label="New comment" onSubmit={post} onKeyDown={onKeyDown}>
      <blockquote id={quoteId} className="comment-quote">
        {target.quote.text}
      </blockquote>
      <textarea
        ref={textareaRef}
        className="comment-input"
        aria-label="Comment"
        aria-describedby={quoteId}
        value={body}
        rows={3}
        onChange={(event) => setBody(event.target.value)}
      />
      {canSuggest && (
        <label className="comment-suggest-toggle">
          <input type="checkbox" checked={suggesting} onChange={(event) => setSuggesting(event.target.checked)} />
          Suggest a change
        </label>
      )}
      {suggestion && (
        <label className="comment-suggest-field">
          Replace with
          <input
            className="comment-input"
            value={replacement}
            maxLength={10_000}
            onChange={(event) => setReplacement(event.target.value)}
            onKeyDown={(event) => {
              // One line: Enter posts rather than breaking the line.
              if (event.key === 'Enter') {
                event.preventDefault();
                void post();
              }
            }}
          />
        </label>
      )}
      {suggestion && (
        <p className="muted comment-suggest-hint" aria-live="polite">
          {unchanged ? 'Change the text to suggest something different.' : replacement === '' ? 'Empty: suggests deleting the text.' : ''}
        </p>
      )}
      {failure && (
        <p role="alert" className="comment-failure">
          {failure}
        </p>
      )}
      <div className="comment-actions">
        <button type="submit" className="button-primary" disabled={posting || body.trim() === '' || unchanged}>
          Post
        </button>
        <button type="button" className="button-secondary" onClick={cancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

interface ThreadCardProps {
  id: string;
  thread: CommentThread;
  orphaned: boolean;
  selected: boolean;
  now: number;
  actions: CardActions;
  onSelect: (id: string) => void;
}

/** One thread; re-renders only when one of its props does (a keystroke changes none). */
const ThreadCard = memo(function ThreadCard({ id, thread, orphaned, selected, now, actions, onSelect }: ThreadCardProps) {
  const [reply, setReply] = useState('');
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const resolved = thread.resolvedAt !== null;
  const allOwn = thread.comments.every((comment) => comment.author.id === actions.ownAuthorId);

  const act = async (op: CommentOp, onDone?: () => void) => {
    setBusy(true);
    const failed = await run(actions, op);
    setBusy(false);
    setFailure(failed);
    if (!failed) onDone?.();
  };
  const sendReply = (event?: FormEvent) => {
    event?.preventDefault();
    if (reply.trim() === '') return;
    void act({ op: 'reply', threadId: id, commentId: newId(), body: reply }, () => setReply(''));
  };

  return (
    <article
      className={`comment-card${selected ? ' comment-card-selected' : ''}${resolved ? ' comment-card-resolved' : ''}`}
      aria-label={`Comment thread on “${thread.quote.text.slice(0, 60)}”`}
      aria-current={selected ? 'true' : undefined}
      onClick={(event) => {
        // Buttons and fields act for themselves; a click elsewhere on the card selects it.
        if (!(event.target as HTMLElement).closest('button, textarea, input, a')) onSelect(id);
      }}
    >
      <button type="button" className="comment-quote-button" onClick={() => onSelect(id)} aria-pressed={selected}>
        {orphaned && <span className="comment-orphaned">On deleted text: </span>}
        <q className="comment-quote">{thread.quote.text}</q>
      </button>
      {thread.suggestion && (
        <Suggestion
          quote={thread.quote.text}
          suggestion={thread.suggestion}
          now={now}
          decide={actions.isEditor && thread.suggestion.state === 'open' && !busy ? (op) => void act({ op, threadId: id }) : null}
        />
      )}
      {resolved && thread.resolvedBy && (
        <p className="comment-resolved-by muted">
          Resolved by {thread.resolvedBy.name} · <Time time={thread.resolvedAt!} now={now} />
        </p>
      )}
      <ol className="comment-thread">
        {thread.comments.map((comment) => (
          <CommentItem key={comment.id} threadId={id} comment={comment} now={now} actions={actions} />
        ))}
      </ol>
      {failure && (
        <p role="alert" className="comment-failure">
          {failure}
        </p>
      )}
      {actions.canComment && (
        <div className="comment-thread-actions">
          {!resolved && (
            <form className="comment-reply" onSubmit={sendReply}>
              <textarea
                className="comment-input"
                aria-label="Reply"
                rows={1}
                value={reply}
                onChange={(event) => setReply(event.target.value)}
                onKeyDown={(event) => {
                  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) sendReply();
                }}
              />
              <button type="submit" className="button-secondary" disabled={busy || reply.trim() === ''}>
                Reply
              </button>
            </form>
          )}
          <div className="comment-actions">
            <button type="button" className="button-secondary" disabled={busy} onClick={() => void act({ op: resolved ? 'reopen' : 'resolve', threadId: id })}>
              {resolved ? 'Reopen' : 'Resolve'}
            </button>
            {(actions.isEditor || allOwn) && (
              <button
                type="button"
                className="button-secondary"
                disabled={busy}
                onClick={() => {
                  if (window.confirm('Delete this whole thread?')) void act({ op: 'delete', threadId: id });
                }}
              >
                Delete thread
              </button>
            )}
          </div>
        </div>
      )}
    </article>
  );
});

/** "Replace “old” with “new”", the outcome once decided, and Accept / Reject while `decide` is given. */
function Suggestion({ quote, suggestion, now, decide }: { quote: string; suggestion: ThreadSuggestion; now: number; decide: ((op: 'accept' | 'reject') => void) | null }) {
  return (
    <div className={`comment-suggestion comment-suggestion-${suggestion.state}`}>
      <p className="comment-suggestion-text">
        {suggestion.text === '' ? (
          <>
            Delete “<del>{quote}</del>”
          </>
        ) : (
          <>
            Replace “<del>{quote}</del>” with “<ins>{suggestion.text}</ins>”
          </>
        )}
      </p>
      {suggestion.state !== 'open' && suggestion.decidedBy && (
        <p className="comment-suggestion-outcome muted">
          {suggestion.state === 'accepted' ? 'Accepted' : 'Rejected'} by {suggestion.decidedBy.name} · <Time time={suggestion.decidedAt!} now={now} />
        </p>
      )}
      {decide && (
        <div className="comment-actions">
          <button type="button" className="button-primary" onClick={() => decide('accept')}>
            Accept
          </button>
          <button type="button" className="button-secondary" onClick={() => decide('reject')}>
            Reject
          </button>
        </div>
      )}
    </div>
  );
}

function CommentItem({ threadId, comment, now, actions }: { threadId: string; comment: ThreadComment; now: number; actions: CardActions }) {
  const [editing, setEditing] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const own = actions.canComment && comment.author.id === actions.ownAuthorId && !comment.deleted;

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (editing === null || editing.trim() === '') return;
    const failed = await run(actions, { op: 'edit', threadId, commentId: comment.id, body: editing });
    setFailure(failed);
    if (!failed) setEditing(null);
  };
  const remove = async () => {
    if (!window.confirm('Delete this comment?')) return;
    setFailure(await run(actions, { op: 'delete', threadId, commentId: comment.id }));
  };

  return (
    <li className="comment">
      <p className="comment-meta">
        <span className="comment-author-swatch" style={{ background: comment.author.color }} aria-hidden="true" />
        <span className="comment-author">{comment.author.name}</span> <Time time={comment.createdAt} now={now} />
        {comment.editedAt !== null && !comment.deleted && <span className="muted"> (edited)</span>}
      </p>
      {comment.deleted ? (
        <p className="comment-body muted">Comment deleted</p>
      ) : editing !== null ? (
        <form className="comment-edit" onSubmit={save}>
          <textarea className="comment-input" aria-label="Edit comment" value={editing} rows={2} onChange={(event) => setEditing(event.target.value)} />
          <div className="comment-actions">
            <button type="submit" className="button-primary" disabled={editing.trim() === ''}>
              Save
            </button>
            <button type="button" className="button-secondary" onClick={() => setEditing(null)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <p className="comment-body">
          {bodyParts(comment.body).map((part, index) =>
            part.kind === 'link' ? (
              <a key={index} href={part.href} target="_blank" rel="noopener noreferrer nofollow">
                {part.text}
              </a>
            ) : (
              <span key={index}>{part.text}</span>
            ),
          )}
        </p>
      )}
      {failure && (
        <p role="alert" className="comment-failure">
          {failure}
        </p>
      )}
      {own && editing === null && (
        <div className="comment-own-actions">
          <button type="button" className="button-link" onClick={() => setEditing(comment.body)}>
            Edit
          </button>
          <button type="button" className="button-link" onClick={() => void remove()}>
            Delete
          </button>
        </div>
      )}
    </li>
  );
}

function Time({ time, now }: { time: number; now: number }) {
  return (
    <time className="comment-time muted" dateTime={new Date(time).toISOString()} title={fullTime(time)}>
      {relativeTime(time, now)}
    </time>
  );
}
