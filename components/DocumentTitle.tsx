'use client';
import type { Editor } from '@tiptap/core';
import { useEffect, useRef } from 'react';
import type * as Y from 'yjs';
import {
  applyRebasedSplice,
  applyTitleValue,
  mapPositionThroughDelta,
  MAX_TITLE_LENGTH,
  normalizeTitleInput,
  rebaseSplice,
  spliceBetween,
  UNTITLED_DOCUMENT,
  type TextDeltaOp,
} from '../lib/editor/document-title';
import { TITLE_TEXT_NAME } from '../lib/protocol/document-schema';
import { useDocumentTitle } from './hooks/use-document-title';
import { rememberDocumentTitle } from './hooks/use-recent-documents';
import { useTabTitle } from './hooks/use-tab-title';

interface Props {
  doc: Y.Doc;
  /** The document's editor: Enter in the title moves into it. */
  editor: Editor | null;
  /** The view-only page shows the title but cannot change it. */
  readOnly?: boolean;
  /** Set on the editor page: the title is kept in this browser's recent documents. */
  room?: string;
}

/**
 * The document's title, shared through the Y.Doc: a plain input whose edits become the
 * smallest splices of the shared text (so two people renaming at once merge), and whose caret
 * stays put when someone else's change arrives, even mid-composition with an input method.
 * Also names the browser tab.
 */
export function DocumentTitle({ doc, editor, readOnly = false, room }: Props) {
  const inputRef = useRef<HTMLInputElement>(null);
  useTabTitle(useDocumentTitle(doc));

  // The input is uncontrolled: the Y.Text is the source of truth, and writing the value here
  // (rather than through React state) lets us restore the caret in the same task.
  useEffect(() => {
    const input = inputRef.current;
    if (!input) return;
    const title = doc.getText(TITLE_TEXT_NAME);
    const ownEdits = {};
    input.value = title.toString();
    if (room && input.value) rememberDocumentTitle(room, input.value);

    // While an input method composes (Japanese, Chinese, Korean…), the input is left alone:
    // writing its value would cut the composition short, and a half-composed word is not
    // shared. The finished word is then applied on top of whatever others changed meanwhile.
    let composition: { base: string; remoteDeltas: TextDeltaOp[][] } | null = null;

    const onTitleChange = (event: Y.YTextEvent, transaction: Y.Transaction) => {
      const value = title.toString();
      if (room) rememberDocumentTitle(room, value);
      if (transaction.origin === ownEdits) return;
      if (composition) {
        composition.remoteDeltas.push(event.delta as TextDeltaOp[]);
        return;
      }
      const focused = document.activeElement === input;
      const { selectionStart, selectionEnd, selectionDirection } = input;
      input.value = value;
      if (focused && selectionStart !== null && selectionEnd !== null) {
        const delta = event.delta as TextDeltaOp[];
        input.setSelectionRange(
          mapPositionThroughDelta(selectionStart, delta),
          mapPositionThroughDelta(selectionEnd, delta),
          selectionDirection ?? undefined,
        );
      }
    };
    const onInput = () => {
      if (composition) return;
      const value = normalizeTitleInput(input.value);
      if (value !== input.value) {
        const caret = input.selectionStart;
        input.value = value;
        if (caret !== null) input.setSelectionRange(caret, caret);
      }
      applyTitleValue(title, value, ownEdits);
    };
    const onCompositionStart = () => {
      composition = { base: title.toString(), remoteDeltas: [] };
    };
    const onCompositionEnd = () => {
      if (!composition) return;
      const { base, remoteDeltas } = composition;
      composition = null;
      if (remoteDeltas.length === 0) {
        onInput();
        return;
      }
      const splice = spliceBetween(base, normalizeTitleInput(input.value));
      let caret = input.selectionStart ?? 0;
      if (splice) {
        const rebased = rebaseSplice(splice, remoteDeltas);
        applyRebasedSplice(title, rebased, ownEdits);
        caret = rebased.index + rebased.insert.length;
      } else {
        for (const delta of remoteDeltas) caret = mapPositionThroughDelta(caret, delta);
      }
      input.value = title.toString();
      if (document.activeElement === input) input.setSelectionRange(caret, caret);
    };
    title.observe(onTitleChange);
    input.addEventListener('input', onInput);
    input.addEventListener('compositionstart', onCompositionStart);
    input.addEventListener('compositionend', onCompositionEnd);
    return () => {
      title.unobserve(onTitleChange);
      input.removeEventListener('input', onInput);
      input.removeEventListener('compositionstart', onCompositionStart);
      input.removeEventListener('compositionend', onCompositionEnd);
    };
  }, [doc, room]);

  return (
    <input
      ref={inputRef}
      type="text"
      className="document-title"
      aria-label="Document title"
      placeholder={UNTITLED_DOCUMENT}
      maxLength={MAX_TITLE_LENGTH}
      readOnly={readOnly}
      autoComplete="off"
      spellCheck
      onKeyDown={(event) => {
        // Like a heading: Enter goes on to the text.
        if (event.key === 'Enter' && !event.nativeEvent.isComposing) {
          event.preventDefault();
          if (!editor || editor.isDestroyed) return;
          // Focus now (TipTap's focus command waits for the next frame), so a key typed right
          // after Enter already lands in the text rather than in the title.
          editor.view.focus();
          editor.commands.focus('start');
        }
      }}
    />
  );
}
