import { getSchema } from '@tiptap/core';
import { prosemirrorJSONToYXmlFragment } from '@tiptap/y-tiptap';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { contentExtensions } from '../editor/editor-extensions';
import { jsonToMarkdown, markdownToJSON } from '../editor/markdown';
import { versionMarkdown } from './version-export';

const schema = getSchema(contentExtensions());

/** A version's state as the server sends it (converted to v2), written through the editor's own binding. */
function versionState(markdown: string, title: string): Uint8Array {
  const doc = new Y.Doc();
  prosemirrorJSONToYXmlFragment(schema, markdownToJSON(markdown), doc.getXmlFragment('default'));
  doc.getText('title').insert(0, title);
  return Y.convertUpdateFormatV1ToV2(Y.encodeStateAsUpdate(doc));
}

describe('versionMarkdown', () => {
  it('writes the version’s body and title as the export menu would', () => {
    const markdown = '# Plan\n\nSome **bold** and a [link](https://example.com).\n\n- [ ] task\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n';
    // What the export menu writes for the same content (its own normalization included).
    const exported = jsonToMarkdown(markdownToJSON(markdown));
    expect(exported).toContain('- [ ] task');
    expect(versionMarkdown(versionState(markdown, '  Road map '))).toEqual({ title: 'Road map', markdown: exported });
  });

  it('gives an empty version an empty file and the title Untitled', () => {
    expect(versionMarkdown(Y.encodeStateAsUpdateV2(new Y.Doc()))).toEqual({ title: 'Untitled', markdown: '\n' });
  });

  it('refuses bytes that are not a Yjs update', () => {
    expect(() => versionMarkdown(new Uint8Array([1, 2, 3]))).toThrow();
  });
});
