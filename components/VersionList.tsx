'use client';
import { memo, useEffect, useId, useMemo, useRef } from 'react';
import { groupVersionsByDay, versionKindLabel, versionTime, versionTitle } from '../lib/history/version-days';
import { safeAuthorColor } from '../lib/history/attribution';
import type { Version } from '../lib/protocol/history-api';

interface Props {
  /** Newest first. */
  versions: Version[];
  selectedId: string | null;
  onSelect: (versionId: string) => void;
  hasOlder: boolean;
  onLoadOlder: () => void;
}

/**
 * The versions of a document: a timeslider (oldest on the left) and a list grouped by day,
 * newest first. The list is one listbox: arrow keys, Home and End move the selection, and the
 * slider steps with its own arrow keys. Memoised, as each of its rows: a slider step re-renders
 * the two rows whose selection changed, not all 1,000.
 */
export const VersionList = memo(function VersionList({ versions, selectedId, onSelect, hasOlder, onLoadOlder }: Props) {
  const listId = useId();
  const sliderId = useId();
  const listRef = useRef<HTMLDivElement>(null);
  const days = useMemo(() => groupVersionsByDay(versions), [versions]);
  const selectedIndex = versions.findIndex((version) => version.id === selectedId);
  const optionId = (version: Version) => `${listId}-${version.id}`;

  useEffect(() => {
    if (!selectedId || !listRef.current) return;
    listRef.current.querySelector(`[data-version-id="${selectedId}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [selectedId]);

  const selectAt = (index: number) => {
    const version = versions[Math.max(0, Math.min(versions.length - 1, index))];
    if (version) onSelect(version.id);
  };

  const onListKeyDown = (event: React.KeyboardEvent) => {
    const moves: Record<string, number> = { ArrowDown: selectedIndex + 1, ArrowUp: selectedIndex - 1, Home: 0, End: versions.length - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    selectAt(moves[event.key]);
  };

  const selected = versions[selectedIndex];
  return (
    <div className="version-list">
      {versions.length > 1 && (
        <div className="version-slider">
          <label htmlFor={sliderId}>Timeslider</label>
          <input
            id={sliderId}
            type="range"
            min={0}
            max={versions.length - 1}
            step={1}
            // Left is the oldest version, right the newest.
            value={selectedIndex < 0 ? versions.length - 1 : versions.length - 1 - selectedIndex}
            aria-valuetext={selected ? `${versionTitle(selected)}, ${versionTime(selected)}` : undefined}
            onChange={(event) => selectAt(versions.length - 1 - Number(event.target.value))}
          />
        </div>
      )}
      <div
        ref={listRef}
        role="listbox"
        aria-label="Versions"
        tabIndex={0}
        aria-activedescendant={selected ? optionId(selected) : undefined}
        className="version-options"
        onKeyDown={onListKeyDown}
      >
        {days.map((day) => (
          <div role="group" aria-labelledby={`${listId}-${day.day}`} key={day.day} className="version-day">
            <div role="presentation" id={`${listId}-${day.day}`} className="version-day-label">
              {day.label}
            </div>
            {day.versions.map((version) => (
              <VersionOption key={version.id} id={optionId(version)} version={version} selected={version.id === selectedId} onSelect={onSelect} />
            ))}
          </div>
        ))}
      </div>
      {hasOlder && (
        <button type="button" className="button-secondary version-older" onClick={onLoadOlder}>
          Load older versions
        </button>
      )}
    </div>
  );
});

interface OptionProps {
  id: string;
  version: Version;
  selected: boolean;
  onSelect: (versionId: string) => void;
}

/** One version in the list: time, title, kind and the authors who changed something in it. */
const VersionOption = memo(function VersionOption({ id, version, selected, onSelect }: OptionProps) {
  return (
    <div role="option" id={id} data-version-id={version.id} aria-selected={selected} className="version-option" onClick={() => onSelect(version.id)}>
      <span className="version-option-head">
        <span className="version-time">{versionTime(version)}</span>
        <span className="version-title">{versionTitle(version)}</span>
      </span>
      <span className="version-option-meta">
        <span className="version-kind">{versionKindLabel(version.kind)}</span>
        {version.authors.length > 0 && (
          <span className="version-authors">
            {version.authors.map((author) => (
              <span key={author.id} className="version-author">
                <span className="author-dot" aria-hidden="true" style={{ backgroundColor: safeAuthorColor(author.color) }} />
                {author.name}
              </span>
            ))}
          </span>
        )}
      </span>
    </div>
  );
});
