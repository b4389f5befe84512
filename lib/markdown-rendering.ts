/**
 * Tandem's fixes to how @tiptap/markdown writes a few nodes, so that every document survives
 * Markdown → JSON → Markdown → JSON unchanged. Each is the stock extension with only its
 * Markdown renderer replaced; parsing, schema and commands are TipTap's own.
 */
import CodeBlock from '@tiptap/extension-code-block';
import Paragraph from '@tiptap/extension-paragraph';
import { renderTableToMarkdown, Table } from '@tiptap/extension-table';
import type { JSONContent, MarkdownRendererHelpers } from '@tiptap/core';

/**
 * A code fence longer than any backtick run in the code (CommonMark: a fence closes only on a
 * run at least as long), so code that itself contains ``` fences stays one code block.
 */
export function codeFenceFor(code: string): string {
  const longestRun = Math.max(0, ...Array.from(code.matchAll(/`+/g), (match) => match[0].length));
  return '`'.repeat(Math.max(3, longestRun + 1));
}

/** Code blocks fenced with enough backticks for their content. */
export const FencedCodeBlock = CodeBlock.extend({
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
 * Text at the start of a paragraph that Markdown would read as a block marker ("# ", "- ",
 * "1. ", "> ", "---") is escaped, so a paragraph never comes back as a heading or a list.
 */
const BLOCK_MARKER_AT_START = /^(\s{0,3})(#{1,6}(?=\s|$)|[-+*](?=\s|$)|\d{1,9}(?=[.)](?:\s|$))|-+\s*$|>)/;

/** `markdown` (one rendered paragraph) with a leading block marker backslash-escaped. */
export function escapeLeadingBlockMarker(markdown: string): string {
  return markdown.replace(BLOCK_MARKER_AT_START, (_match, indent: string, marker: string) => {
    if (/^\d/.test(marker)) return `${indent}${marker}\\`;
    return `${indent}\\${marker}`;
  });
}

/** How @tiptap/markdown writes an empty paragraph that blank lines alone would not keep. */
const EMPTY_PARAGRAPH_MARKDOWN = '&nbsp;';

/**
 * Paragraphs whose first characters would otherwise start a block in Markdown; and empty
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
    return escapeLeadingBlockMarker(rendered);
  },
});
