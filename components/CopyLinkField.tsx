'use client';
import { useEffect, useId, useState } from 'react';

interface Props {
  /** The field's visible label, e.g. "Edit link". */
  label: string;
  /** The copy button's name, e.g. "Copy edit link". */
  copyLabel: string;
  /** The link, or null while it is not known yet. */
  link: string | null;
  /** Shown in the field while `link` is null. */
  pendingText?: string;
}

/** How long the "Copied" confirmation stays. */
const COPIED_FEEDBACK_MS = 2_500;

type Feedback = { kind: 'none' } | { kind: 'copied' } | { kind: 'failed' };

/** A read-only link with a copy button and a spoken "Copied" confirmation. */
export function CopyLinkField({ label, copyLabel, link, pendingText = 'Loading…' }: Props) {
  const fieldId = useId();
  const [feedback, setFeedback] = useState<Feedback>({ kind: 'none' });

  useEffect(() => {
    if (feedback.kind !== 'copied') return;
    const timer = setTimeout(() => setFeedback({ kind: 'none' }), COPIED_FEEDBACK_MS);
    return () => clearTimeout(timer);
  }, [feedback]);

  const copy = async () => {
    if (!link) return;
    try {
      await navigator.clipboard.writeText(link);
      setFeedback({ kind: 'copied' });
    } catch (error) {
      // No clipboard permission (or an insecure origin): the field stays selectable by hand.
      console.warn('copying the link failed', error);
      setFeedback({ kind: 'failed' });
    }
  };

  return (
    <div className="share-field">
      <label htmlFor={fieldId}>{label}</label>
      <div className="share-field-row">
        <input
          id={fieldId}
          className="share-field-input"
          readOnly
          value={link ?? pendingText}
          aria-busy={link === null}
          onFocus={(event) => event.currentTarget.select()}
        />
        <button type="button" className="button-secondary" disabled={!link} onClick={() => void copy()}>
          {copyLabel}
        </button>
      </div>
      <p role="status" className={`share-field-feedback share-field-feedback-${feedback.kind}`}>
        {feedback.kind === 'copied' && 'Copied'}
        {feedback.kind === 'failed' && 'Could not copy: select the link and copy it yourself.'}
      </p>
    </div>
  );
}
