'use client';
import { useEditorState, type Editor } from '@tiptap/react';
import { useCallback, useEffect, useRef, useState, type KeyboardEvent, type RefObject } from 'react';
import { flushSync } from 'react-dom';
import {
  asOwnUndoStep,
  EMPTY_QUERY,
  FIND_CURRENT_CLASS,
  findState,
  moveToMatch,
  replaceAll,
  replaceCurrent,
  setSearchQuery,
} from '../lib/editor/find-replace';
import { ariaKeyShortcut, matchesShortcut, SHORTCUTS, shortcutLabel } from './toolbar/shortcuts';

interface Props {
  editor: Editor;
  /** Edit pages: the replace field too (view-only and comment pages only find). */
  canReplace: boolean;
  /** Given the function that opens the bar, for a button to call (the phone's header menu). */
  openerRef?: RefObject<(() => void) | null>;
}

type Mode = 'find' | 'replace' | null;

/** The match count the bar shows, read from the editor's find state at each change. */
function selectMatches({ editor }: { editor: Editor }) {
  const find = findState(editor.state);
  return { count: find?.matches.length ?? 0, current: find?.current ?? -1 };
}

/**
 * The find bar (Ctrl+F; with the replace field, Ctrl+H): the query, how many matches and which
 * one is current, next and previous (Enter, Shift+Enter), match case and whole word, and on edit
 * pages Replace and Replace all. The matches live in the editor (lib/editor/find-replace.ts), so
 * they follow everyone's typing. Escape closes it and puts focus back where it was (in the
 * document, with the caret where it was).
 */
export function FindBar({ editor, canReplace, openerRef }: Props) {
  const [mode, setMode] = useState<Mode>(null);
  const [text, setText] = useState('');
  const [caseSensitive, setCaseSensitive] = useState(false);
  const [wholeWord, setWholeWord] = useState(false);
  const [replacement, setReplacement] = useState('');
  const [replacedCount, setReplacedCount] = useState<number | null>(null);
  const findField = useRef<HTMLInputElement>(null);
  const replaceField = useRef<HTMLInputElement>(null);
  const returnFocus = useRef<Element | null>(null);
  const matches = useEditorState({ editor, selector: selectMatches });

  /** Brings the current match into view (after a search, a move or a replace; never for others' typing). */
  const revealCurrent = useCallback(() => {
    editor.view.dom.querySelector(`.${FIND_CURRENT_CLASS}`)?.scrollIntoView({ block: 'center', inline: 'nearest' });
  }, [editor]);

  // Ctrl+F and Ctrl+H from anywhere on the page, before the browser's own find (or history).
  useEffect(() => {
    const onKeyDown = (event: globalThis.KeyboardEvent) => {
      const replaceKey = matchesShortcut(event, SHORTCUTS.replace);
      if (!replaceKey && !matchesShortcut(event, SHORTCUTS.find)) return;
      // Readers get find for Ctrl+H too, rather than the browser's history.
      const wantsReplace = replaceKey && canReplace;
      event.preventDefault();
      const bar = findField.current?.closest('.find-bar');
      if (!bar?.contains(document.activeElement)) returnFocus.current = document.activeElement;
      // Rendered at once, so the field has focus before the next key: nothing typed right
      // after Ctrl+F lands in the document.
      flushSync(() => setMode((current) => (wantsReplace ? 'replace' : (current ?? 'find'))));
      const field = wantsReplace && findField.current?.value ? replaceField.current : findField.current;
      field?.focus();
      field?.select();
    };
    window.addEventListener('keydown', onKeyDown, true);
    return () => window.removeEventListener('keydown', onKeyDown, true);
  }, [canReplace]);

  // Opened from a button (its menu closes behind it): Escape then puts focus in the document.
  useEffect(() => {
    if (!openerRef) return;
    openerRef.current = () => {
      returnFocus.current = null;
      flushSync(() => setMode((current) => current ?? 'find'));
      findField.current?.focus();
    };
    return () => {
      openerRef.current = null;
    };
  }, [openerRef]);

  // The editor searches while the bar is open, again at each change of the query; closing clears it.
  const open = mode !== null;
  useEffect(() => {
    if (editor.isDestroyed) return;
    editor.view.dispatch(setSearchQuery(editor.state, open ? { text, caseSensitive, wholeWord } : EMPTY_QUERY));
    if (open) revealCurrent();
  }, [editor, open, text, caseSensitive, wholeWord, revealCurrent]);

  const close = () => {
    setMode(null);
    const previous = returnFocus.current;
    returnFocus.current = null;
    if (!previous || editor.view.dom.contains(previous) || !previous.isConnected) editor.commands.focus();
    else (previous as HTMLElement).focus?.();
  };

  const move = (step: 1 | -1) => {
    editor.view.dispatch(moveToMatch(editor.state, step));
    revealCurrent();
  };

  const replaceOne = () => {
    const tr = replaceCurrent(editor.state, replacement);
    if (!tr) return;
    asOwnUndoStep(editor.state, () => editor.view.dispatch(tr));
    revealCurrent();
  };

  const replaceEvery = () => {
    const count = matches.count;
    const tr = replaceAll(editor.state, replacement);
    if (!tr) return;
    asOwnUndoStep(editor.state, () => editor.view.dispatch(tr));
    setReplacedCount(count);
  };

  const onBarKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      close();
    }
  };

  const onFindKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    move(event.shiftKey ? -1 : 1);
  };

  const onReplaceKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    replaceOne();
  };

  if (!mode) return null;
  const status =
    replacedCount !== null
      ? `Replaced ${replacedCount} ${replacedCount === 1 ? 'match' : 'matches'}`
      : !text
        ? ''
        : matches.count === 0
          ? 'No matches'
          : `${matches.current + 1} of ${matches.count}`;
  return (
    <div role="search" aria-label="Find in document" className="find-bar" onKeyDown={onBarKeyDown}>
      <div className="find-bar-row">
        <FindField
          fieldRef={findField}
          label="Find"
          shortcut={SHORTCUTS.find}
          value={text}
          onChange={(value) => {
            setText(value);
            setReplacedCount(null);
          }}
          onKeyDown={onFindKeyDown}
        />
        <span role="status" aria-label="Matches" className="find-count">
          {status}
        </span>
        <button
          type="button"
          className="find-button"
          aria-label="Previous match"
          title={`Previous match (${shortcutLabel(SHORTCUTS.findPrevious)})`}
          disabled={matches.count === 0}
          onClick={() => move(-1)}
        >
          ↑
        </button>
        <button
          type="button"
          className="find-button"
          aria-label="Next match"
          title={`Next match (${shortcutLabel(SHORTCUTS.findNext)})`}
          disabled={matches.count === 0}
          onClick={() => move(1)}
        >
          ↓
        </button>
        <button
          type="button"
          className="find-button find-toggle"
          aria-label="Match case"
          title="Match case"
          aria-pressed={caseSensitive}
          onClick={() => {
            setCaseSensitive(!caseSensitive);
            setReplacedCount(null);
          }}
        >
          Aa
        </button>
        <button
          type="button"
          className="find-button find-toggle"
          aria-label="Whole word"
          title="Whole word"
          aria-pressed={wholeWord}
          onClick={() => {
            setWholeWord(!wholeWord);
            setReplacedCount(null);
          }}
        >
          “ab”
        </button>
        {canReplace && (
          <button
            type="button"
            className="find-button"
            aria-label="Show replace"
            title={`Replace (${shortcutLabel(SHORTCUTS.replace)})`}
            aria-expanded={mode === 'replace'}
            onClick={() => setMode(mode === 'replace' ? 'find' : 'replace')}
          >
            ⇄
          </button>
        )}
        <button
          type="button"
          className="find-button"
          aria-label="Close find"
          title={`Close (${shortcutLabel(SHORTCUTS.closeFind)})`}
          onClick={close}
        >
          ×
        </button>
      </div>
      {canReplace && mode === 'replace' && (
        <div className="find-bar-row">
          <FindField
            fieldRef={replaceField}
            label="Replace with"
            shortcut={SHORTCUTS.replace}
            value={replacement}
            onChange={setReplacement}
            onKeyDown={onReplaceKeyDown}
          />
          <button type="button" className="button-secondary" disabled={matches.count === 0} onClick={replaceOne}>
            Replace
          </button>
          <button type="button" className="button-secondary" disabled={matches.count === 0} onClick={replaceEvery}>
            Replace all
          </button>
        </div>
      )}
    </div>
  );
}

interface FindFieldProps {
  fieldRef: RefObject<HTMLInputElement | null>;
  /** Its accessible name, shown as its placeholder too. */
  label: string;
  /** Its key in the shortcuts table, e.g. "Mod-f". */
  shortcut: string;
  value: string;
  onChange: (value: string) => void;
  onKeyDown: (event: KeyboardEvent<HTMLInputElement>) => void;
}

/** One of the bar's text fields (find, replace with): plain text, no spelling marks or autofill. */
function FindField({ fieldRef, label, shortcut, value, onChange, onKeyDown }: FindFieldProps) {
  return (
    <input
      ref={fieldRef}
      className="find-field"
      type="text"
      aria-label={label}
      placeholder={label}
      aria-keyshortcuts={ariaKeyShortcut(shortcut)}
      value={value}
      spellCheck={false}
      autoComplete="off"
      onChange={(event) => onChange(event.target.value)}
      onKeyDown={onKeyDown}
    />
  );
}
