'use client';
import { useId, useState } from 'react';
import type { Awareness } from 'y-protocols/awareness';
import { MAX_NAME_LENGTH, normalizeName, PRESENCE_COLORS, type Identity } from '../lib/identity';
import { usePresence } from './hooks/use-presence';

interface Props {
  awareness: Awareness;
  identity: Identity;
  onIdentityChange: (identity: Identity) => void;
  /** This person reads through a view link; others see them marked "(viewing)" too. */
  viewing?: boolean;
}

/**
 * Who is here (name chips in their colours, readers marked "(viewing)"), and your own
 * editable name and colour.
 */
export function PresenceBar({ awareness, identity, onIdentityChange, viewing = false }: Props) {
  const participants = usePresence(awareness);
  const others = participants.filter((p) => !p.isSelf);

  return (
    <div className="presence">
      <ul className="presence-list" aria-label="People in this document">
        {others.map((participant) => (
          <li key={participant.clientId} className="presence-chip" style={{ backgroundColor: participant.color }}>
            {participant.name}
            {participant.viewing && ' (viewing)'}
          </li>
        ))}
        {others.length === 0 && <li className="muted presence-alone">Only you here</li>}
      </ul>
      <div className="identity">
        {/* Keyed by the saved name so an edit from another tab resets the draft. */}
        <NameField key={identity.name} identity={identity} onIdentityChange={onIdentityChange} />
        {viewing && <span className="muted identity-viewing">(viewing)</span>}
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
