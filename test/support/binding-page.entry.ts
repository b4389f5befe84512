/**
 * The page side of binding-page.ts, bundled for Chromium: TipTap editors with the document's own
 * extensions (lib/editor/editor-extensions.ts) bound through the Collaboration extension (so
 * through y-tiptap's ySyncPlugin, as in the app) to one Y.Doc each, mounted in the page. The docs
 * are connected by hand: `sync()` sends each one what the others lack, so a test decides when a
 * change becomes remote. Exposed as `window.bindingPage`.
 */
import { Editor, type JSONContent } from '@tiptap/core';
import Collaboration from '@tiptap/extension-collaboration';
import { CharacterCount } from '@tiptap/extensions';
import {
  absolutePositionToRelativePosition,
  prosemirrorJSONToYXmlFragment,
  relativePositionToAbsolutePosition,
  ySyncPluginKey,
  yXmlFragmentToProsemirrorJSON,
} from '@tiptap/y-tiptap';
import * as Y from 'yjs';
import { CommentHighlights } from '../../lib/editor/comment-mark';
import { contentExtensions, documentSchema } from '../../lib/editor/editor-extensions';
import { CONTENT_FRAGMENT_NAME } from '../../lib/protocol/document-schema';

export interface Peer {
  doc: Y.Doc;
  editor: Editor;
}

const peers: Peer[] = [];

/** Replaces the page's editors by `count` new ones, all holding `content` (a doc's JSON). */
function create(count: number, content: JSONContent | null): void {
  for (const peer of peers.splice(0)) {
    peer.editor.destroy();
    peer.doc.destroy();
  }
  document.body.replaceChildren();
  const seed = new Y.Doc();
  if (content) prosemirrorJSONToYXmlFragment(documentSchema(), content, seed.getXmlFragment(CONTENT_FRAGMENT_NAME));
  for (let i = 0; i < count; i++) {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(seed));
    const element = document.createElement('div');
    element.dataset.peer = String(i);
    document.body.append(element);
    const editor = new Editor({
      element,
      extensions: [
        ...contentExtensions(),
        Collaboration.configure({ document: doc, field: CONTENT_FRAGMENT_NAME }),
        // Tandem's own plugins that read every transaction, as the live editor has them.
        CommentHighlights,
        CharacterCount,
      ],
    });
    peers.push({ doc, editor });
  }
}

/** Sends every doc what the others lack, until all hold the same state. */
function sync(): void {
  for (let round = 0; round < 2; round++) {
    for (const from of peers) {
      for (const to of peers) {
        if (from === to) continue;
        const update = Y.encodeStateAsUpdate(from.doc, Y.encodeStateVector(to.doc));
        Y.applyUpdate(to.doc, update, 'remote');
      }
    }
  }
}

/** One peer's doc as y-tiptap would build it from Yjs alone (the "Yjs content"). */
function yjsJSON(i: number): JSONContent {
  return yXmlFragmentToProsemirrorJSON(peers[i].doc.getXmlFragment(CONTENT_FRAGMENT_NAME)) as JSONContent;
}

function binding(i: number) {
  return ySyncPluginKey.getState(peers[i].editor.state);
}

/**
 * Where peer `from`'s position `pos` lands in peer `to`'s document, through a Yjs relative
 * position resolved against `to`'s binding mapping: what a remote caret's decoration does.
 */
function mapPosition(from: number, to: number, pos: number): number | null {
  const source = binding(from);
  const target = binding(to);
  const relative = absolutePositionToRelativePosition(pos, source.type, source.binding.mapping);
  return relativePositionToAbsolutePosition(peers[to].doc, target.type, relative, target.binding.mapping);
}

const api = { peers, create, sync, yjsJSON, binding, mapPosition, Y };

declare global {
  interface Window {
    bindingPage: typeof api;
  }
}

window.bindingPage = api;
