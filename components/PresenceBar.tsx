'use client';
import type { Editor } from '@tiptap/core';
import { useId, useState, type CSSProperties } from 'react';
import type { Awareness } from 'y-protocols/awareness';
import { MAX_NAME_LENGTH, normalizeName, PRESENCE_COLORS, type Identity } from '../lib/prefs/identity';
import { isIdle } from '../lib/presence/presence-activity';
import { initialsOf, splitAvatars } from '../lib/presence/presence-avatars';
import { useActivityBeacon } from './hooks/use-activity-beacon';
import { useFollowCaret } from './hooks/use-follow-caret';
import { useNow } from './hooks/use-now';
import { usePresence, type Participant } from './hooks/use-presence';

interface Props {
  awareness: Awareness;
  identity: Identity;
  onIdentityChange: (identity: Identity) => void;
  /** This person reads through a view link; others see them marked "(viewing)" too. */
  viewing?: boolean;
  /** This person is on a comment link; others see them marked "(commenting)" too. */
  commenting?: boolean;
  /** The document's editor, to jump to and follow other people's carets in it. */
  editor?: Editor | null;
}

/** How often idle states are re-evaluated. */
const IDLE_CHECK_INTERVAL_MS = 20_000;

/**
 * Who is here, as an avatar stack (initials in their colours, full name on hover, dimmed when
 * idle, "+N" past a handful; readers marked "(viewing)"). Clicking someone jumps to their caret
 * and follows it until you act. Also your own editable name and colour.
 */
export function PresenceBar({ awareness, identity, onIdentityChange, viewing = false, commenting = false, editor = null }: Props) {
  const participants = usePresence(awareness);
  const others = participants.filter((p) => !p.isSelf);
  const { shown, folded } = splitAvatars(others);
  const now = useNow(IDLE_CHECK_INTERVAL_MS);
  const { followed, follow, stop } = useFollowCaret(editor, awareness);
  const followedPerson = others.find((p) => p.clientId === followed);
  useActivityBeacon(editor, awareness);

  return (
    <div className="presence">
      <ul className="presence-list avatar-stack" aria-label="People in this document">
        {shown.map((participant) => (
          <li key={participant.clientId}>
            <Avatar
              participant={participant}
              idle={isIdle(participant.lastActive, now)}
              followed={participant.clientId === followed}
              onClick={() => follow(participant.clientId)}
            />
          </li>
        ))}
        {folded.length > 0 && (
          <li className="avatar avatar-overflow" title={folded.map(personLabel).join(', ')}>
            <span aria-hidden="true">+{folded.length}</span>
            <span className="visually-hidden">
              {folded.length} more: {folded.map(personLabel).join(', ')}
            </span>
          </li>
        )}
        {others.length === 0 && <li className="muted presence-alone">Only you here</li>}
      </ul>
      {/* Always mounted, so screen readers announce it when following starts. */}
      <div role="status" aria-label="Following" className="follow-status">
        {followedPerson && (
          <span className="follow-notice">
            <span>Following {followedPerson.name}</span>
            <button type="button" className="button-secondary follow-stop" aria-label="Stop following" onClick={stop}>
              Stop
            </button>
          </span>
        )}
      </div>
      <div className="identity">
        {/* Keyed by the saved name so an edit from another tab resets the draft. */}
        <NameField key={identity.name} identity={identity} onIdentityChange={onIdentityChange} />
        {viewing && <span className="muted identity-viewing">(viewing)</span>}
        {commenting && <span className="muted identity-viewing">(commenting)</span>}
        <select
          aria-label="Your colour"
          className="identity-color"
          value={identity.color}
          style={{ backgroundColor: identity.color }}
          onChange={(event) => onIdentityChange({ ...identity, color: event.target.value })}
        >
          {PRESENCE_COLORS.map((color) => (
            <option key={color.value} value={color.value}>
              {color.label}
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}

/** "Bob", "Vera (viewing)" for a reader, or "Carla (commenting)" for a commenter. */
function personLabel(participant: Participant): string {
  if (participant.commenting) return `${participant.name} (commenting)`;
  return participant.viewing ? `${participant.name} (viewing)` : participant.name;
}

interface AvatarProps {
  participant: Participant;
  idle: boolean;
  followed: boolean;
  onClick: () => void;
}

/**
 * One person: initials drawn by CSS from data-initials (so the list's text stays their full
 * name), named in full for hover and assistive technology.
 */
function Avatar({ participant, idle, followed, onClick }: AvatarProps) {
  const label = personLabel(participant) + (idle ? ', idle' : '');
  const classes = ['avatar', idle && 'avatar-idle', followed && 'avatar-followed', (participant.viewing || participant.commenting) && 'avatar-viewing'];
  return (
    <button
      type="button"
      className={classes.filter(Boolean).join(' ')}
      style={{ '--avatar-color': participant.color } as CSSProperties}
      data-initials={initialsOf(participant.name)}
      title={`${label} — click to go to their cursor`}
      aria-label={label}
      onClick={onClick}
    >
      <span className="visually-hidden">{personLabel(participant)}</span>
    </button>
  );
}

/** Your display name: edited freely, saved on blur or Enter (an empty name reverts). */
function NameField({ identity, onIdentityChange }: Pick<Props, 'identity' | 'onIdentityChange'>) {
  const nameId = useId();
  const [draftName, setDraftName] = useState(identity.name);
  const commitName = () => {
    const name = normalizeName(draftName);
    if (name && name !== identity.name) onIdentityChange({ ...identity, name });
    else setDraftName(identity.name);
  };
  return (
    <>
      <label htmlFor={nameId} className="visually-hidden">
        Your name
      </label>
      <input
        id={nameId}
        className="identity-name"
        value={draftName}
        maxLength={MAX_NAME_LENGTH}
        style={{ borderColor: identity.color }}
        onChange={(event) => setDraftName(event.target.value)}
        onBlur={commitName}
        onKeyDown={(event) => {
          if (event.key === 'Enter') event.currentTarget.blur();
        }}
      />
    </>
  );
}
