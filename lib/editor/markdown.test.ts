import type { JSONContent } from '@tiptap/core';
import { describe, expect, it } from 'vitest';
import { jsonToMarkdown, markdownToJSON, normalizeDocument } from './markdown';
import { codeFenceFor, escapeLeadingBlockMarker } from './markdown-rendering';

const text = (value: string, marks?: JSONContent['marks']): JSONContent => ({ type: 'text', text: value, ...(marks ? { marks } : {}) });
const paragraph = (...content: JSONContent[]): JSONContent => ({ type: 'paragraph', content });
const doc = (...content: JSONContent[]): JSONContent => ({ type: 'doc', content });

/** Markdown → JSON → Markdown → JSON: the two documents must be identical. */
function expectStableRoundTrip(markdown: string): JSONContent {
  const first = markdownToJSON(markdown);
  const second = markdownToJSON(jsonToMarkdown(first));
  expect(second).toEqual(first);
  return first;
}

/** JSON → Markdown → JSON gives the same document back. */
function expectLosslessExport(document: JSONContent): string {
  const markdown = jsonToMarkdown(document);
  expect(markdownToJSON(markdown)).toEqual(normalizeDocument(document));
  return markdown;
}

describe('nested lists', () => {
  it('keeps a bullet list inside an ordered list inside a task list', () => {
    const markdown = ['- [x] done task', '  1. ordered inside', '     - bullet inside ordered', '- [ ] open task', ''].join('\n');
    const json = expectStableRoundTrip(markdown);
    const taskList = json.content![0];
    expect(taskList.type).toBe('taskList');
    expect(taskList.content!.map((item) => item.attrs?.checked)).toEqual([true, false]);
    const ordered = taskList.content![0].content![1];
    expect(ordered.type).toBe('orderedList');
    const bullet = ordered.content![0].content![1];
    expect(bullet.type).toBe('bulletList');
    expect(bullet.content![0].content![0]).toEqual(paragraph(text('bullet inside ordered')));
  });

  it('keeps a task list inside a bullet list inside an ordered list', () => {
    const json = expectStableRoundTrip('1. first\n   - bullet\n     - [ ] task deep\n2. second\n');
    expect(json.content![0].type).toBe('orderedList');
    const task = json.content![0].content![0].content![1].content![0].content![1];
    expect(task.type).toBe('taskList');
    expect(task.content![0].attrs).toEqual({ checked: false });
  });
});

describe('tables', () => {
  it('keeps escaped pipes in cells and in code spans inside cells', () => {
    const markdown = ['| a | b \\| c |', '| --- | --- |', '| x \\| y | `p\\|q` |', ''].join('\n');
    const json = expectStableRoundTrip(markdown);
    const [header, body] = json.content![0].content!;
    expect(header.content!.map((cell) => cell.type)).toEqual(['tableHeader', 'tableHeader']);
    expect(header.content![1].content![0]).toEqual(paragraph(text('b | c')));
    expect(body.content![0].content![0]).toEqual(paragraph(text('x | y')));
    expect(body.content![1].content![0]).toEqual(paragraph(text('p|q', [{ type: 'code' }])));
  });

  it('escapes pipes typed into cells so the exported table keeps its columns', () => {
    const cell = (type: string, value: string): JSONContent => ({ type, content: [paragraph(text(value))] });
    const table: JSONContent = {
      type: 'table',
      content: [
        { type: 'tableRow', content: [cell('tableHeader', 'left|right'), cell('tableHeader', 'b')] },
        { type: 'tableRow', content: [cell('tableCell', 'a || b'), cell('tableCell', '|')] },
      ],
    };
    const markdown = expectLosslessExport(doc(table));
    expect(markdown).toContain('left\\|right');
  });
});

describe('code', () => {
  it('keeps a code block that holds backticks and a ``` fence, written inside a ~~~ fence', () => {
    const code = 'const a = `x`;\n```\ninner fence\n```';
    const json = expectStableRoundTrip(`~~~ts\n${code}\n~~~\n`);
    expect(json.content).toEqual([{ type: 'codeBlock', attrs: { language: 'ts' }, content: [text(code)] }]);
  });

  it('keeps a code block written inside a longer backtick fence', () => {
    const code = '```js\nnested()\n```';
    const json = expectStableRoundTrip(`\`\`\`\`\n${code}\n\`\`\`\`\n`);
    expect(json.content![0].content).toEqual([text(code)]);
  });

  it('exports code blocks with a fence longer than any backtick run inside', () => {
    expect(codeFenceFor('plain')).toBe('```');
    expect(codeFenceFor('a ``` b')).toBe('````');
    expect(codeFenceFor('`````')).toBe('``````');
    const block: JSONContent = { type: 'codeBlock', attrs: { language: null }, content: [text('````\nstill code\n````')] };
    expect(expectLosslessExport(doc(block))).toMatch(/^`````\n/);
  });

  it('keeps inline code with Markdown characters inside', () => {
    const json = expectStableRoundTrip('Run `a * b _c_ [d]` now\n');
    expect(json.content![0]).toEqual(paragraph(text('Run '), text('a * b _c_ [d]', [{ type: 'code' }]), text(' now')));
  });

  it('keeps inline code that holds backticks, at its ends too', () => {
    const code = [{ type: 'code' }];
    for (const snippet of ['a`b', 'x ``y`` z', '`start', 'end`', '`', '``', '` both `']) {
      const markdown = expectLosslessExport(doc(paragraph(text('Use '), text(snippet, code), text(' here'))));
      expect(markdown).toContain(snippet);
    }
  });

  it('keeps inline code with spaces at its edges', () => {
    const code = [{ type: 'code' }];
    for (const snippet of [' padded ', ' left', 'right ', '  two  ', ' `tick` ']) {
      expectLosslessExport(doc(paragraph(text('Use '), text(snippet, code), text(' here'))));
    }
    // Known limit: code made only of spaces comes back as the spaces, without the code mark.
    expect(markdownToJSON(jsonToMarkdown(doc(paragraph(text('a'), text('  ', code), text('b')))))).toEqual(doc(paragraph(text('a  b'))));
  });
});

describe('links', () => {
  it('keeps links whose URL and text hold parentheses', () => {
    const json = expectStableRoundTrip('See [the (draft) spec](https://example.com/wiki/Spec_(draft)) today.\n');
    const link = json.content![0].content![1];
    expect(link.text).toBe('the (draft) spec');
    expect(link.marks).toMatchObject([{ type: 'link', attrs: { href: 'https://example.com/wiki/Spec_(draft)' } }]);
  });

  it('keeps mailto links and link titles', () => {
    expectStableRoundTrip('[mail](mailto:a@example.com "Write") and [t](https://example.com "A title")\n');
  });

  it('drops javascript: links and data: images on import, keeping the text', () => {
    const json = markdownToJSON('[click](javascript:alert(1)) [x](JAVA\tSCRIPT:alert(1))\n\n![i](data:image/png;base64,AAAA)\n');
    expect(JSON.stringify(json)).not.toMatch(/"type":"(link|image)"/);
    expect(json.content![0].content![0].text).toMatch(/^click/);
  });

  it("keeps an uploaded image's absolute address on the server (http or https) on import and export", () => {
    for (const src of ['http://127.0.0.1:3000/api/images/AbCdEfGhIjKlMnOpQrStUv', 'https://docs.example.com/api/images/AbCdEfGhIjKlMnOpQrStUv']) {
      const json = expectStableRoundTrip(`![Bar chart](${src})\n`);
      expect(json.content![0]).toMatchObject({ type: 'image', attrs: { src, alt: 'Bar chart' } });
    }
  });

  it('drops script links disguised as character references on import, and never exports one', () => {
    const disguised = ['jav&#x61;script:alert(1)', 'JaVa&#x53;cript:alert(1)', 'java&Tab;script:alert(1)', 'javascript&colon;alert(1)'];
    for (const href of disguised) {
      const json = markdownToJSON(`[entity](${href}) text\n`);
      expect(JSON.stringify(json), href).not.toContain('"type":"link"');
      // A document can still hold one (a raw Yjs client wrote it): the export leaves it out.
      const exported = jsonToMarkdown(doc(paragraph(text('entity', [{ type: 'link', attrs: { href } }]))));
      expect(exported, href).toBe('entity\n');
    }
    expect(jsonToMarkdown(doc({ type: 'image', attrs: { src: 'd&#x61;ta:image/svg+xml,<svg/>' } }))).not.toContain('ta:image');
  });
});

describe('images', () => {
  const image = (src: string, alt: string): JSONContent => ({ type: 'image', attrs: { src, alt, title: null } });
  const images = (json: JSONContent): string[] => JSON.stringify(json).match(/"src":"[^"]+"/g) ?? [];

  it('imports a README badge inside a line of text as an image between the text before and after it', () => {
    const json = expectStableRoundTrip('Build ![status](https://ci.example.com/badge.svg) passing\n');
    expect(json.content).toMatchObject([paragraph(text('Build')), image('https://ci.example.com/badge.svg', 'status'), paragraph(text('passing'))]);
  });

  it('imports two images on one line, in order', () => {
    const json = markdownToJSON('![a](https://example.com/a.png) and ![b](https://example.com/b.png)\n');
    expect(json.content).toMatchObject([image('https://example.com/a.png', 'a'), paragraph(text('and')), image('https://example.com/b.png', 'b')]);
  });

  it('imports an image in a list item, after the item text or as the whole item', () => {
    expectStableRoundTrip('- item ![i](https://example.com/i.png)\n- next\n');
    const json = markdownToJSON('- item ![i](https://example.com/i.png)\n- ![only](https://example.com/o.png)\n');
    const [first, second] = json.content![0].content!;
    expect(first.content).toMatchObject([paragraph(text('item')), image('https://example.com/i.png', 'i')]);
    // A list item starts with a paragraph: an empty one holds its place.
    expect(second.content).toMatchObject([{ type: 'paragraph' }, image('https://example.com/o.png', 'only')]);
  });

  it('imports an image in a table cell', () => {
    const json = markdownToJSON('| a | b |\n| --- | --- |\n| ![x](https://example.com/x.png) | text ![y](https://example.com/y.png) |\n');
    expect(images(json)).toEqual(['"src":"https://example.com/x.png"', '"src":"https://example.com/y.png"']);
    const cells = json.content![0].content![1].content!;
    expect(cells[1].content).toMatchObject([paragraph(text('text')), image('https://example.com/y.png', 'y')]);
  });

  it('imports a badge inside a link, and a heading with a badge', () => {
    const json = markdownToJSON('# Tandem ![v](https://example.com/v.svg)\n\n[![ci](https://example.com/ci.svg)](https://ci.example.com) ok\n');
    expect(json.content![0]).toMatchObject({ type: 'heading', content: [text('Tandem')] });
    expect(images(json)).toEqual(['"src":"https://example.com/v.svg"', '"src":"https://example.com/ci.svg"']);
    expect(JSON.stringify(json)).toContain('"text":"ok"');
  });

  it('imports a file whose only image is refused (data:) as an empty document', () => {
    expect(markdownToJSON('![x](data:image/png;base64,AAAA)\n')).toEqual({ type: 'doc', content: [{ type: 'paragraph' }] });
    expect(markdownToJSON('- ![x](data:image/png;base64,AAAA)\n').content![0].content![0].content).toEqual([{ type: 'paragraph' }]);
  });
});

describe('emphasis edge cases', () => {
  it('keeps nested and adjacent marks', () => {
    expectStableRoundTrip('***both*** and **bold *inner* bold** and ~~**strong strike**~~ and ++under++\n');
  });

  it('keeps literal asterisks, underscores, brackets and backslashes as text', () => {
    const document = doc(paragraph(text('2 * 3 * 4, snake_case_name, [not a link], C:\\path and ~~not~~')));
    expectLosslessExport(document);
  });

  it('keeps intraword underscores as text', () => {
    const json = expectStableRoundTrip('foo_bar_baz and __init__\n');
    expect(json.content![0].content![0].marks).toBeUndefined();
  });

  it('keeps a bold link and a link inside italics', () => {
    expectStableRoundTrip('**[bold link](https://example.com)** and *see [here](https://example.com/x)*\n');
  });

  it('keeps paragraphs that start like a heading, a list or a rule as paragraphs', () => {
    for (const start of ['# not a heading', '- not a list', '+ not a list', '1. not a list', '2) not a list', '---']) {
      expectLosslessExport(doc(paragraph(text(start))));
    }
    // Markdown cannot hold spaces that start a line; four of them must not make a code block.
    for (const start of ['    four spaces, not code', '\tafter a tab']) {
      const markdown = jsonToMarkdown(doc(paragraph(text(start))));
      expect(markdownToJSON(markdown)).toEqual(doc(paragraph(text(start.trimStart()))));
    }
    expect(escapeLeadingBlockMarker('12. x')).toBe('12\\. x');
    expect(escapeLeadingBlockMarker('#hashtag')).toBe('#hashtag');
  });

  it('keeps a line that starts like a heading, a list or a quote after a line break as text', () => {
    const lineBreak: JSONContent = { type: 'hardBreak' };
    for (const start of ['# not a heading', '- not a list', '1. not a list', '> not a quote', '---', '===', '--- | ---', '|:-:|']) {
      expectLosslessExport(doc(paragraph(text('first | line'), lineBreak, text(start))));
    }
    expectLosslessExport(doc(paragraph(text('a'), lineBreak, text('# b'), lineBreak, text('- c'))));
  });
});

describe('empty paragraphs', () => {
  it('keeps empty paragraphs between lists, quotes, tables and paragraphs', () => {
    const taskList: JSONContent = { type: 'taskList', content: [{ type: 'taskItem', attrs: { checked: true }, content: [paragraph(text('done'))] }] };
    const quote: JSONContent = { type: 'blockquote', content: [paragraph(text('quoted'))] };
    const empty: JSONContent = { type: 'paragraph' };
    expectLosslessExport(doc(taskList, empty, quote));
    expectLosslessExport(doc(taskList, empty, empty, paragraph(text('after'))));
    expectLosslessExport(doc(paragraph(text('a')), empty, quote, empty));
    expectLosslessExport(doc(empty, paragraph(text('starts blank'))));
  });

  it('reads an empty file as an empty document', () => {
    expect(markdownToJSON('')).toEqual(doc({ type: 'paragraph' }));
  });
});

describe('a document with every feature', () => {
  const markdown = [
    '# Heading 1',
    '',
    '## Heading 2',
    '',
    '### Heading 3',
    '',
    'Text with **bold**, *italic*, ++underline++, ~~strike~~, `code` and a [link](https://example.com/a?b=1&c=2).',
    '',
    '- bullet',
    '  - nested bullet',
    '',
    '1. first',
    '2. second',
    '',
    '- [x] done',
    '- [ ] todo',
    '',
    '> A quote with **bold**.',
    '',
    '```python',
    'print("hi")',
    '```',
    '',
    '---',
    '',
    '| Name | Value |',
    '| --- | --- |',
    '| a | 1 |',
    '',
    '![A picture](https://example.com/picture.png)',
    '',
  ].join('\n');

  it('round-trips to an identical document and identical Markdown', () => {
    const json = expectStableRoundTrip(markdown);
    expect(json.content!.map((node) => node.type)).toEqual([
      'heading',
      'heading',
      'heading',
      'paragraph',
      'bulletList',
      'orderedList',
      'taskList',
      'blockquote',
      'codeBlock',
      'horizontalRule',
      'table',
      'image',
    ]);
    const exported = jsonToMarkdown(json);
    expect(jsonToMarkdown(markdownToJSON(exported))).toBe(exported);
  });

  it('accepts Windows line endings', () => {
    expect(markdownToJSON(markdown.replace(/\n/g, '\r\n'))).toEqual(markdownToJSON(markdown));
  });
});
