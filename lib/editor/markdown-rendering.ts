/**
 * Tandem's fixes to how @tiptap/markdown writes a few nodes, so that every document survives
 * Markdown → JSON → Markdown → JSON unchanged. Each is the stock extension with only its
 * Markdown renderer replaced; parsing, schema and commands are TipTap's own.
 */
import Code from '@tiptap/extension-code';
import CodeBlock from '@tiptap/extension-code-block';
import Paragraph from '@tiptap/extension-paragraph';
import { renderTableToMarkdown, Table } from '@tiptap/extension-table';
import type { JSONContent, MarkdownRendererHelpers } from '@tiptap/core';

/**
 * A code fence longer than any backtick run in the code (CommonMark: a fence closes only on a
 * run at least as long), so code that itself contains ``` fences stays one code block.
 */
export function codeFenceFor(code: string): string {
  return '`'.repeat(Math.max(3, longestBacktickRun(code) + 1));
}

function longestBacktickRun(code: string): number {
  return Math.max(0, ...Array.from(code.matchAll(/`+/g), (match) => match[0].length));
}

/** How one run of inline code opens and closes in Markdown. */
interface CodeSpanDelimiters {
  open: string;
  close: string;
}

/**
 * How `code` is written as a CommonMark code span: one backtick more than the longest run
 * inside, padded with a space on each side when the code starts or ends with a backtick (it
 * would join the delimiter) or has a space at both ends (the parser strips one of each).
 * Whitespace at the code's edges is part of the delimiters (see withCodeSpanDelimiters).
 */
export function codeSpanFor(code: string): CodeSpanDelimiters & { leading: string; trailing: string } {
  const leading = /^\s*/.exec(code)![0];
  const trailing = /\s*$/.exec(code.slice(leading.length))![0];
  const backticks = '`'.repeat(longestBacktickRun(code) + 1);
  const touchesDelimiter = code.startsWith('`') || code.endsWith('`');
  const wouldBeStripped = code.startsWith(' ') && code.endsWith(' ') && /[^ ]/.test(code);
  const padding = touchesDelimiter || wouldBeStripped ? ' ' : '';
  return { open: backticks + padding + leading, close: trailing + padding + backticks, leading, trailing };
}

const hasCode = (node: JSONContent) => node.type === 'text' && !!node.marks?.some((mark) => mark.type === 'code');

/**
 * `doc` prepared for writing inline code. @tiptap/markdown writes a mark's opening and closing
 * without seeing the text between them, and moves whitespace at a mark's edges outside it
 * (right for emphasis, wrong for code). So each run of code text gets its span worked out
 * here: delimiters and edge whitespace go into the code mark's attributes, the rest stays text.
 */
export function withCodeSpanDelimiters(node: JSONContent): JSONContent {
  if (!node.content) return node;
  const content = node.content.map(withCodeSpanDelimiters);
  for (let start = 0; start < content.length; ) {
    let end = start;
    while (end < content.length && hasCode(content[end])) end++;
    if (end === start) {
      start++;
      continue;
    }
    const run = content.slice(start, end);
    const code = run.map((child) => child.text ?? '').join('');
    if (code.trim() === '') {
      // Only whitespace: @tiptap/markdown writes it as plain text whatever its marks.
      start = end;
      continue;
    }
    const { open, close, leading, trailing } = codeSpanFor(code);
    let toDropAtStart = leading.length;
    let toDropAtEnd = trailing.length;
    const texts = run.map((child) => child.text ?? '');
    for (let i = 0; i < texts.length && toDropAtStart > 0; i++) {
      const dropped = Math.min(toDropAtStart, texts[i].length);
      texts[i] = texts[i].slice(dropped);
      toDropAtStart -= dropped;
    }
    for (let i = texts.length - 1; i >= 0 && toDropAtEnd > 0; i--) {
      const dropped = Math.min(toDropAtEnd, texts[i].length);
      texts[i] = texts[i].slice(0, texts[i].length - dropped);
      toDropAtEnd -= dropped;
    }
    run.forEach((child, i) => {
      const marks = child.marks!.map((mark) => (mark.type === 'code' ? { ...mark, attrs: { ...mark.attrs, markdownDelimiters: { open, close } } } : mark));
      content[start + i] = { ...child, text: texts[i], marks };
    });
    start = end;
  }
  return { ...node, content };
}

/**
 * Inline code written as a code span that holds any text, backticks and spaces included. It
 * excludes every other mark but `comment` (stock code excludes all): y-prosemirror deletes
 * text whose marks the schema refuses, and commented code must stay.
 */
export const BacktickSafeCode = Code.extend({
  excludes: 'bold italic strike underline link code',
  renderMarkdown(node: JSONContent, helpers: MarkdownRendererHelpers) {
    if (!node.content) return '';
    const { open, close } = (node.attrs?.markdownDelimiters as CodeSpanDelimiters | undefined) ?? { open: '`', close: '`' };
    return `${open}${helpers.renderChildren(node.content)}${close}`;
  },
});

/** Code blocks fenced with enough backticks for their content; their text may be commented on. */
export const FencedCodeBlock = CodeBlock.extend({
  marks: 'comment',
  renderMarkdown(node: JSONContent, helpers: MarkdownRendererHelpers) {
    const code = node.content ? helpers.renderChildren(node.content) : '';
    const fence = codeFenceFor(code);
    return `${fence}${node.attrs?.language ?? ''}\n${code}\n${fence}`;
  },
});

/**
 * `|` inside a table cell ends the cell in GFM unless escaped; GFM unescapes `\|` in cells
 * before anything else, code spans included, so escaping every pipe is lossless.
 */
export const PipeSafeTable = Table.extend({
  renderMarkdown(node: JSONContent, helpers: MarkdownRendererHelpers) {
    const escapePipes = (markdown: string) => markdown.replace(/\|/g, '\\|');
    return renderTableToMarkdown(node, {
      ...helpers,
      renderChildren: (nodes, separator) => escapePipes(helpers.renderChildren(nodes, separator)),
    });
  },
});

/**
 * Text at the start of a paragraph line that Markdown would read as a block marker ("# ", "- ",
 * "1. ", "> ", "---") or, after a line break, as a heading underline ("===") or a table's
 * delimiter row ("--- | ---"), is escaped, so a paragraph never comes back as another block.
 */
const BLOCK_MARKER_AT_START = /^(\s{0,3})(#{1,6}(?=\s|$)|[-+*](?=\s|$)|\d{1,9}(?=[.)](?:\s|$))|-+\s*$|=+\s*$|>)/;
const TABLE_DELIMITER_ROW = /^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

/** One line of a rendered paragraph with a leading block marker backslash-escaped. */
export function escapeLeadingBlockMarker(line: string): string {
  if (line.includes('|') && TABLE_DELIMITER_ROW.test(line)) return line.replace(/^(\s*)([|:-])/, '$1\\$2');
  return line.replace(BLOCK_MARKER_AT_START, (_match, indent: string, marker: string) => {
    if (/^\d/.test(marker)) return `${indent}${marker}\\`;
    return `${indent}\\${marker}`;
  });
}

/** How @tiptap/markdown writes an empty paragraph that blank lines alone would not keep. */
const EMPTY_PARAGRAPH_MARKDOWN = '&nbsp;';

/**
 * Paragraphs whose lines would otherwise start a block in Markdown; and empty
 * top-level paragraphs after anything but a written paragraph (after a list, quote or table
 * the parser swallows the blank lines TipTap writes for them), kept as `&nbsp;`.
 */
export const MarkerSafeParagraph = Paragraph.extend({
  renderMarkdown(node, helpers, context) {
    const previous = context.previousNode;
    const empty = !node.content || node.content.length === 0;
    const afterWrittenParagraph = previous?.type === 'paragraph' && (previous.content?.length ?? 0) > 0;
    if (empty && context.parentType === 'doc' && !afterWrittenParagraph) return EMPTY_PARAGRAPH_MARKDOWN;
    const rendered = Paragraph.config.renderMarkdown?.(node, helpers, context) ?? '';
    // Markdown drops the spaces that start a paragraph, and reads four or more as a code
    // block: they go, and the paragraph stays a paragraph.
    // Every line counts: a line break inside the paragraph starts a new Markdown line.
    return rendered.replace(/^[ \t]+/, '').split('\n').map(escapeLeadingBlockMarker).join('\n');
  },
});
