/**
 * A document's exports without a browser (document-export.ts, html-serializer.ts): read from
 * the Y.Doc with the editor's schema, written as TipTap's getHTML and the Export menu's
 * Markdown write them (e2e/admin-delete.spec.ts compares the HTML with the browser's own).
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { HeadlessEditor } from '../../test/support/headless-editor';
import { commentMarkKey, commentMarkValue } from '../protocol/comments';
import { documentTitle, exportDocument } from './document-export';

const text = (value: string, marks?: { type: string; attrs?: Record<string, unknown> }[]) => ({ type: 'text', text: value, ...(marks ? { marks } : {}) });
const paragraph = (...content: object[]) => ({ type: 'paragraph', content });

/** A Y.Doc holding `content` as the editor would write it, with `title`. */
function docOf(content: object[], title = ''): Y.Doc {
  const doc = new Y.Doc();
  new HeadlessEditor(doc).load({ type: 'doc', content });
  doc.getText('title').insert(0, title);
  return doc;
}

const bodyOf = (html: string) => html.slice(html.indexOf('<main>\n') + '<main>\n'.length, html.indexOf('\n</main>'));

describe('document exports without a browser', () => {
  const doc = docOf(
    [
      { type: 'taskList', content: [{ type: 'taskItem', attrs: { checked: true }, content: [paragraph(text('done & "quoted" <x>'))] }] },
      {
        type: 'table',
        content: [
          { type: 'tableRow', content: [{ type: 'tableHeader', content: [paragraph(text('H'))] }] },
          { type: 'tableRow', content: [{ type: 'tableCell', content: [paragraph(text('c\u00a0d'))] }] },
        ],
      },
      { type: 'codeBlock', attrs: { language: 'js' }, content: [text('a < b')] },
      { type: 'image', attrs: { src: 'https://example.com/a.png?x=1&y=2', alt: 'An "image"' } },
      paragraph(text('line'), { type: 'hardBreak' }, text('two', [{ type: 'italic' }, { type: 'underline' }]), text('x', [{ type: 'code' }])),
      { type: 'horizontalRule' },
      { type: 'blockquote', content: [paragraph(text('q', [{ type: 'strike' }]))] },
    ],
    '  Notes <draft>  ',
  );

  it('writes HTML as getHTML does: void elements unclosed, text and attributes escaped, styles as a browser writes them', () => {
    const html = exportDocument(doc, 'html');
    expect(html).toContain('<title>Notes &lt;draft&gt;</title>');
    expect(bodyOf(html)).toBe(
      '<ul data-type="taskList"><li data-checked="true" data-type="taskItem"><label><input type="checkbox" checked="checked"><span></span></label><div><p>done &amp; "quoted" &lt;x&gt;</p></div></li></ul>' +
        '<table style="min-width: 25px;"><colgroup><col style="min-width: 25px;"></colgroup><tbody><tr><th colspan="1" rowspan="1"><p>H</p></th></tr><tr><td colspan="1" rowspan="1"><p>c&nbsp;d</p></td></tr></tbody></table>' +
        '<pre><code class="language-js">a &lt; b</code></pre><img src="https://example.com/a.png?x=1&amp;y=2" alt="An &quot;image&quot;">' +
        '<p>line<br><em><u>two</u></em><code>x</code></p><hr><blockquote><p><s>q</s></p></blockquote>',
    );
  });

  it('writes the Markdown of the Export menu, and ProseMirror JSON of the body', () => {
    expect(exportDocument(doc, 'markdown')).toBe(
      '- [x] done &amp; "quoted" &lt;x&gt;\n\n\n| H   |\n| --- |\n| c d |\n\n\n```js\na < b\n```\n\n![An "image"](https://example.com/a.png?x=1&y=2)\n\nline  \n*++two++*`x`\n\n---\n\n> ~~q~~\n',
    );
    const json = JSON.parse(exportDocument(doc, 'json')) as { type: string; content: { type: string }[] };
    expect(json.content.map((node) => node.type)).toEqual(['taskList', 'table', 'codeBlock', 'image', 'paragraph', 'horizontalRule', 'blockquote']);
  });

  it('writes an uploaded image with its absolute address, and its dragged width in HTML', () => {
    const src = 'https://docs.example.com/api/images/AbCdEfGhIjKlMnOpQrStUv';
    const resized = docOf([{ type: 'image', attrs: { src, alt: 'Bar chart', width: 240, height: 160 } }]);
    expect(bodyOf(exportDocument(resized, 'html'))).toBe(`<img src="${src}" alt="Bar chart" width="240" height="160">`);
    expect(exportDocument(resized, 'markdown')).toBe(`![Bar chart](${src})\n`);
  });

  it('leaves comment marks out and writes an empty document as the editor starts one', () => {
    const marked = new Y.Doc();
    const fragment = marked.getXmlFragment('default');
    const block = new Y.XmlElement('paragraph');
    const inner = new Y.XmlText();
    block.insert(0, [inner]);
    fragment.insert(0, [block]);
    inner.insert(0, 'said so', { [commentMarkKey('thread-1')]: commentMarkValue('thread-1') });
    expect(bodyOf(exportDocument(marked, 'html'))).toBe('<p><span>said so</span></p>');
    expect(exportDocument(marked, 'markdown')).toBe('said so\n');
    const empty = new Y.Doc();
    expect(bodyOf(exportDocument(empty, 'html'))).toBe('<p></p>');
    expect(exportDocument(empty, 'markdown')).toBe('\n');
    expect(documentTitle(empty)).toBe('Untitled');
    expect(documentTitle(doc)).toBe('Notes <draft>');
  });
});
