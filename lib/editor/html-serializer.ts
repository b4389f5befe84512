/**
 * ProseMirror content as HTML text without a browser (the admin command's export): the
 * schema's own DOMSerializer, as TipTap's getHTML runs it, writing into a minimal document
 * that only builds elements and text, which is then written out the way a browser's
 * innerHTML writes it (void elements unclosed; `&`, `<`, `>` and no-break spaces escaped in
 * text, `&`, `"` and no-break spaces in attribute values).
 */
import { DOMSerializer, type Fragment, type Schema } from '@tiptap/pm/model';

/** Elements that never have content or an end tag (HTML's void elements). */
const VOID_ELEMENTS = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);

type ChildNode = HtmlElement | HtmlText;

class HtmlText {
  readonly nodeType = 3;
  constructor(readonly data: string) {}
}

/** What the serializer appends to: an element, or the fragment it returns. */
class HtmlParent {
  readonly childNodes: ChildNode[] = [];
  appendChild<T extends ChildNode | HtmlFragment>(child: T): T {
    if (child instanceof HtmlFragment) this.childNodes.push(...child.childNodes);
    else this.childNodes.push(child);
    return child;
  }
}

class HtmlFragment extends HtmlParent {
  readonly nodeType = 11;
}

class HtmlElement extends HtmlParent {
  readonly nodeType = 1;
  /** In the order set; setting a name again replaces its value in place, as the DOM does. */
  readonly attributes = new Map<string, string>();
  /**
   * DOMSerializer sets a `style` through `style.cssText`, which a browser writes back as
   * `name: value;` declarations joined by spaces: the same here, so the text matches getHTML's.
   */
  readonly style: { cssText: string };
  constructor(readonly tagName: string) {
    super();
    const attributes = this.attributes;
    this.style = {
      get cssText() {
        return attributes.get('style') ?? '';
      },
      set cssText(css: string) {
        attributes.set('style', normalizeCss(css));
      },
    };
  }
  setAttribute(name: string, value: unknown): void {
    this.attributes.set(name, String(value));
  }
  setAttributeNS(_namespace: string, name: string, value: unknown): void {
    this.setAttribute(name, value);
  }
}

/** The only document methods DOMSerializer calls. */
const htmlDocument = {
  createElement: (tagName: string) => new HtmlElement(tagName),
  createElementNS: (_namespace: string, tagName: string) => new HtmlElement(tagName),
  createTextNode: (text: string) => new HtmlText(text),
  createDocumentFragment: () => new HtmlFragment(),
};

/** `min-width: 25px` → `min-width: 25px;`, as a browser's cssText writes declarations back. */
function normalizeCss(css: string): string {
  return css
    .split(';')
    .map((declaration) => declaration.trim().replace(/\s*:\s*/, ': '))
    .filter((declaration) => declaration.length > 0)
    .map((declaration) => `${declaration};`)
    .join(' ');
}

const escapeText = (text: string) => text.replace(/&/g, '&amp;').replace(/\u00a0/g, '&nbsp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/\u00a0/g, '&nbsp;').replace(/"/g, '&quot;');

function write(node: ChildNode): string {
  if (node instanceof HtmlText) return escapeText(node.data);
  const attributes = Array.from(node.attributes, ([name, value]) => ` ${name}="${escapeAttribute(value)}"`).join('');
  const open = `<${node.tagName}${attributes}>`;
  if (VOID_ELEMENTS.has(node.tagName)) return open;
  return `${open}${node.childNodes.map(write).join('')}</${node.tagName}>`;
}

/** `content` (a document's top-level content) as the HTML TipTap's getHTML gives for it. */
export function fragmentToHtml(content: Fragment, schema: Schema): string {
  const fragment = DOMSerializer.fromSchema(schema).serializeFragment(content, { document: htmlDocument as unknown as Document }) as unknown as HtmlFragment;
  return fragment.childNodes.map(write).join('');
}
