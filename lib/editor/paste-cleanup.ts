/**
 * HTML pasted from other editors (Google Docs, Microsoft Word, web pages), reduced to what a
 * Tandem document holds before the schema reads it: headings, paragraphs, lists, links, bold,
 * italic, underline, strikethrough, tables, images, quotes and code. Styles become those marks
 * or nothing; scripts, styles, frames, forms, navigation and comments go; Word's list
 * paragraphs become real lists; links and images keep only addresses the document may hold.
 * HTML copied from a Tandem (or any ProseMirror) editor is left alone: the schema reads it as
 * it was written.
 */
import { Extension } from '@tiptap/core';
import { Plugin, PluginKey, TextSelection, type EditorState, type Transaction } from '@tiptap/pm/state';
import { formattingOfStyle, isNumberedMarker, setsNormalWeight, wordListOfStyle } from './paste-markup';
import { isAllowedImageSrc, isAllowedLinkHref } from './safe-url';

/** Elements dropped with everything inside them. */
const DROPPED = 'script, style, link, meta, title, template, noscript, iframe, frame, object, embed, svg, math, canvas, video, audio, nav, input, select, textarea, button, label';
/** The only attributes kept, per element; everything else (style, class, id, on*, data-*) goes. */
const KEPT_ATTRIBUTES: Record<string, readonly string[]> = {
  A: ['href'],
  IMG: ['src', 'alt', 'title'],
  TD: ['colspan', 'rowspan'],
  TH: ['colspan', 'rowspan'],
  OL: ['start'],
};
const HEADINGS = 'h1, h2, h3, h4, h5, h6, th';

/** `html` from the clipboard as the schema should read it (see the module comment). */
export function cleanPastedHtml(html: string): string {
  // ProseMirror marks its own clipboard HTML so it can restore the slice exactly.
  if (html.includes('data-pm-slice')) return html;
  const doc = new DOMParser().parseFromString(html, 'text/html');
  const body = doc.body;
  body.querySelectorAll(DROPPED).forEach((element) => element.remove());
  convertWordLists(body);
  unwrapNormalWeightBold(body);
  convertStyledFormatting(body);
  nestStrayLists(body);
  keepSafeAddresses(body);
  removeComments(body);
  body.querySelectorAll(':scope > br').forEach((element) => element.remove());
  removeBlankParagraphs(body);
  body.querySelectorAll('*').forEach(stripAttributes);
  return body.innerHTML;
}

/**
 * The editor extension: every HTML paste (and drop) goes through cleanPastedHtml, and a paste
 * that ends in a link does not carry the link on into what is typed next.
 */
export const PasteCleanup = Extension.create({
  name: 'pasteCleanup',
  addProseMirrorPlugins() {
    return [
      new Plugin({ key: new PluginKey('pasteCleanup'), props: { transformPastedHTML: cleanPastedHtml } }),
      new Plugin({ key: new PluginKey('pastedLinkEnd'), appendTransaction: endPastedLink }),
    ];
  },
});

/**
 * Links are inclusive (autolink needs that), so text typed right after a pasted address would
 * join its link. After a paste (or the paste rule that linked it), a caret at a link's end gets
 * the marks without the link.
 */
function endPastedLink(transactions: readonly Transaction[], _old: EditorState, state: EditorState): Transaction | null {
  const pasted = transactions.some((tr) => ((tr.getMeta('appendedTransaction') as Transaction | undefined) ?? tr).getMeta('uiEvent') === 'paste');
  const link = state.schema.marks.link;
  const $cursor = state.selection instanceof TextSelection ? state.selection.$cursor : null;
  if (!pasted || !link || !$cursor) return null;
  const marks = $cursor.marks();
  if (!link.isInSet(marks) || ($cursor.nodeAfter && link.isInSet($cursor.nodeAfter.marks))) return null;
  return state.tr.setStoredMarks(link.removeFromSet(marks));
}

/**
 * Word writes a list as paragraphs with `mso-list: l0 level1` and its marker ("·", "1.") in
 * a `<![if !supportLists]>` block (or a `mso-list:Ignore` span). Each run of such paragraphs
 * becomes nested `<ul>`/`<ol>` lists, numbered when the marker is a number.
 */
function convertWordLists(body: HTMLElement): void {
  const items = Array.from(body.querySelectorAll<HTMLElement>('[style*="mso-list"]')).flatMap((paragraph) => {
    const list = wordListOfStyle(paragraph.getAttribute('style') ?? '');
    return list && paragraph.tagName !== 'SPAN' ? [{ paragraph, list, numbered: isNumberedMarker(removeWordListMarker(paragraph)) }] : [];
  });
  // Runs of list paragraphs next to each other, found before any of them moves.
  const runs: (typeof items)[] = [];
  items.forEach((item, index) => {
    if (index > 0 && items[index - 1].paragraph.nextElementSibling === item.paragraph) runs[runs.length - 1].push(item);
    else runs.push([item]);
  });
  for (const run of runs) {
    const stack: { level: number; list: HTMLElement; kind: string }[] = [];
    for (const { paragraph, list: { list: listId, level }, numbered } of run) {
      const kind = `${listId}:${numbered ? 'ol' : 'ul'}`;
      while (stack.length > 0 && stack[stack.length - 1].level > level) stack.pop();
      if (stack.length > 0 && stack[stack.length - 1].level === level && stack[stack.length - 1].kind !== kind) stack.pop();
      const parent = stack[stack.length - 1];
      if (!parent || parent.level < level) {
        const list = paragraph.ownerDocument.createElement(numbered ? 'ol' : 'ul');
        if (parent) lastItemOf(parent.list).append(list);
        else paragraph.before(list);
        stack.push({ level, list, kind });
      }
      const entry = paragraph.ownerDocument.createElement('li');
      const text = paragraph.ownerDocument.createElement('p');
      text.append(...Array.from(paragraph.childNodes));
      entry.append(text);
      stack[stack.length - 1].list.append(entry);
    }
    run.forEach(({ paragraph }) => paragraph.remove());
  }
}

function lastItemOf(list: HTMLElement): HTMLElement {
  const last = list.lastElementChild;
  if (last instanceof HTMLElement && last.tagName === 'LI') return last;
  const item = list.ownerDocument.createElement('li');
  list.append(item);
  return item;
}

/** Takes Word's marker out of a list paragraph and returns its text ("1.", "·"). */
function removeWordListMarker(paragraph: HTMLElement): string {
  const walker = paragraph.ownerDocument.createTreeWalker(paragraph, NodeFilter.SHOW_COMMENT);
  let marker = '';
  for (let comment = walker.nextNode(); comment; comment = walker.nextNode()) {
    if (!/^\[if !supportLists\]$/i.test(comment.nodeValue?.trim() ?? '')) continue;
    // Everything up to the matching [endif] is the marker.
    let node = comment.nextSibling;
    while (node && !(node.nodeType === Node.COMMENT_NODE && /^\[endif\]$/i.test(node.nodeValue?.trim() ?? ''))) {
      const next = node.nextSibling;
      marker += node.textContent ?? '';
      node.remove();
      node = next;
    }
  }
  paragraph.querySelectorAll('[style*="mso-list:Ignore" i], [style*="mso-list: Ignore" i]').forEach((span) => {
    marker += span.textContent ?? '';
    span.remove();
  });
  return marker.trim();
}

/** Google Docs wraps a whole paste in `<b style="font-weight:normal">`: it is not bold. */
function unwrapNormalWeightBold(body: HTMLElement): void {
  body.querySelectorAll<HTMLElement>('b, strong').forEach((element) => {
    if (element.id.startsWith('docs-internal-guid') || setsNormalWeight(element.getAttribute('style') ?? '')) unwrap(element);
  });
}

/**
 * Inline styles that mean bold, italic, underline or strikethrough become the elements the
 * schema reads as those marks (not in headings, whose weight is their own, nor underline in a
 * link, which every link has); the styles themselves go with the other attributes.
 */
function convertStyledFormatting(body: HTMLElement): void {
  body.querySelectorAll<HTMLElement>('[style]').forEach((element) => {
    const formatting = formattingOfStyle(element.getAttribute('style') ?? '');
    const wrappers: string[] = [];
    if (formatting.bold && !element.closest(HEADINGS) && !['B', 'STRONG'].includes(element.tagName)) wrappers.push('strong');
    if (formatting.italic && !['I', 'EM'].includes(element.tagName)) wrappers.push('em');
    if (formatting.underline && !element.closest('a') && element.tagName !== 'U') wrappers.push('u');
    if (formatting.strike && !['S', 'DEL', 'STRIKE'].includes(element.tagName)) wrappers.push('s');
    if (wrappers.length === 0 || element.tagName === 'IMG') return;
    let inner: HTMLElement = element;
    for (const tag of wrappers) {
      const wrapper = element.ownerDocument.createElement(tag);
      wrapper.append(...Array.from(inner.childNodes));
      inner.append(wrapper);
      inner = wrapper;
    }
  });
}

/** A list directly inside a list (Google Docs' nesting) moves into the item before it. */
function nestStrayLists(body: HTMLElement): void {
  body.querySelectorAll<HTMLElement>(':is(ul, ol) > :is(ul, ol)').forEach((list) => {
    const item = list.previousElementSibling;
    if (item && item.tagName === 'LI') item.append(list);
  });
}

/**
 * Links keep their text but go unless they point to an absolute http(s) or mailto address (a
 * relative one would point into Tandem); images go unless they load from an absolute http(s)
 * address (Word's `file:` pictures, `data:` images).
 */
function keepSafeAddresses(body: HTMLElement): void {
  body.querySelectorAll('a').forEach((link) => {
    const href = link.getAttribute('href')?.trim() ?? '';
    if (!/^(https?:\/\/|mailto:)/i.test(href) || !isAllowedLinkHref(href)) unwrap(link);
  });
  body.querySelectorAll('img').forEach((image) => {
    const src = image.getAttribute('src')?.trim() ?? '';
    if (!/^https?:\/\//i.test(src) || !isAllowedImageSrc(src)) image.remove();
  });
}

function removeComments(body: HTMLElement): void {
  const walker = body.ownerDocument.createTreeWalker(body, NodeFilter.SHOW_COMMENT);
  const comments: Node[] = [];
  for (let comment = walker.nextNode(); comment; comment = walker.nextNode()) comments.push(comment);
  comments.forEach((comment) => comment.parentNode?.removeChild(comment));
}

/**
 * Blank paragraphs (Word's `<p><o:p>&nbsp;</o:p></p>` lines, or what is left of a form or a
 * refused image) go: Tandem spaces blocks itself. A paragraph holding only images gives way to
 * them, as images are blocks of their own in a Tandem document.
 */
function removeBlankParagraphs(body: HTMLElement): void {
  body.querySelectorAll('p').forEach((paragraph) => {
    if (!/^[\s\u00a0]*$/.test(paragraph.textContent ?? '') || paragraph.querySelector('br')) return;
    if (paragraph.closest('td, th, li')) return;
    if (paragraph.querySelector('img')) unwrap(paragraph);
    else paragraph.remove();
  });
}

function stripAttributes(element: Element): void {
  const kept = KEPT_ATTRIBUTES[element.tagName] ?? [];
  for (const name of element.getAttributeNames()) if (!kept.includes(name)) element.removeAttribute(name);
}

function unwrap(element: Element): void {
  element.replaceWith(...Array.from(element.childNodes));
}
