/**
 * The one TipTap schema and extension list of a Tandem document, shared by the editor, the
 * read-only viewer and the Markdown conversion (lib/editor/markdown.ts), so all three read and write
 * the same content the same way.
 */
import Collaboration from '@tiptap/extension-collaboration';
import Image from '@tiptap/extension-image';
import { TaskItem, TaskList } from '@tiptap/extension-list';
import { TableCell, TableHeader, TableRow } from '@tiptap/extension-table';
import { getSchema, type Extensions, type ResizableNodeView } from '@tiptap/core';
import type { Schema } from '@tiptap/pm/model';
import { Placeholder } from '@tiptap/extensions';
import { Markdown } from '@tiptap/markdown';
import StarterKit from '@tiptap/starter-kit';
import type { WebsocketProvider } from 'y-websocket';
import type * as Y from 'yjs';
import { AuthorshipColors } from '../authorship/authorship-colors';
import { CommentHighlights, CommentMark } from './comment-mark';
import { BrowserSelectionSync } from './editor-selection';
import { FindReplace } from './find-replace';
import { DocumentOutline } from './outline';
import { PasteCleanup } from './paste-cleanup';
import { BacktickSafeCode, FencedCodeBlock, MarkerSafeParagraph, PipeSafeTable } from './markdown-rendering';
import { SafeCollaborationCaret } from '../presence/presence-carets';
import type { PresenceUser } from '../presence/presence-user';
import { ImageUploads, type ImageUploadsOptions } from './image-uploads';
import { isAllowedLinkHref, isStorableImageSrc } from './safe-url';

interface ExtensionOptions {
  doc: Y.Doc;
  provider: WebsocketProvider;
  /** This person's awareness `user` field, drawn on their caret for everyone else. */
  user: PresenceUser;
  /** Shown in an empty document. */
  placeholder: string;
  /** Image files pasted, dropped or picked are uploaded (edit pages only). */
  imageUploads?: ImageUploadsOptions;
}

/**
 * Images: never one without a real address (a pasted screenshot's HTML holds `data:`, `blob:`
 * or no src: a broken image for everyone else; its file is uploaded instead), and resizable by
 * dragging a corner, the width kept in the node (and so synced, stored and exported).
 */
const DocumentImage = Image.extend({
  parseHTML() {
    return [{ tag: 'img[src]', getAttrs: (element) => (isStorableImageSrc((element as HTMLElement).getAttribute('src')) ? null : false) }];
  },
  addNodeView() {
    const resizable = this.parent?.();
    if (!resizable) return null;
    return (props) => {
      const view = resizable(props) as ResizableNodeView;
      const update = view.update.bind(view);
      // TipTap's view keeps the size it was built with: someone else's resize (a remote
      // change of the width) would not show until a reload.
      view.update = (node, decorations, innerDecorations) => {
        if (!update(node, decorations, innerDecorations)) return false;
        // While this person drags, the drag owns the size (data-resize-state is TipTap's flag).
        if (view.dom.dataset.resizeState !== 'true') {
          view.element.style.width = node.attrs.width ? `${node.attrs.width}px` : '';
          view.element.style.height = node.attrs.height ? `${node.attrs.height}px` : '';
        }
        return true;
      };
      return view;
    };
  },
}).configure({
  inline: false,
  allowBase64: false,
  resize: { enabled: true, directions: ['bottom-left', 'bottom-right'], minWidth: 48, minHeight: 16, alwaysPreserveAspectRatio: true },
});

/** The document schema: every node and mark a Tandem document can hold, with input rules. */
export function contentExtensions(): Extensions {
  return [
    StarterKit.configure({
      // StarterKit's own history would undo other people's edits too; Collaboration brings yUndo.
      undoRedo: false,
      // Replaced below by the same extensions with lossless Markdown output.
      paragraph: false,
      code: false,
      codeBlock: false,
      link: {
        openOnClick: false,
        autolink: true,
        defaultProtocol: 'https',
        isAllowedUri: (url, { defaultValidate }) => defaultValidate(url) && isAllowedLinkHref(url),
      },
    }),
    MarkerSafeParagraph,
    BacktickSafeCode,
    FencedCodeBlock,
    TaskList,
    TaskItem.configure({ nested: true }),
    // Column resizing would store widths Markdown cannot hold; tables stay plain GFM tables.
    PipeSafeTable.configure({ resizable: false }),
    TableRow,
    TableHeader,
    TableCell,
    DocumentImage,
    // Put on quoted text by the server for comment threads; Markdown has no handler for it, so
    // the Markdown export leaves comments out.
    CommentMark,
  ];
}

let schema: Schema | null = null;

/** The ProseMirror schema of contentExtensions(), built once per page or process. */
export function documentSchema(): Schema {
  schema ??= getSchema(contentExtensions());
  return schema;
}

/** The extensions for a document bound to `doc`; content comes only from the doc. */
export function documentExtensions({ doc, provider, user, placeholder, imageUploads }: ExtensionOptions): Extensions {
  return [
    ...contentExtensions(),
    // editor.getMarkdown() for the export, with the same renderers as lib/editor/markdown.ts.
    Markdown,
    Collaboration.configure({ document: doc }),
    // "Show authors": decorations read from the binding Collaboration sets up, so it comes after.
    AuthorshipColors,
    // CollaborationCaret that ignores malformed presence and never lets a caret break sync.
    SafeCollaborationCaret.configure({ provider, user }),
    Placeholder.configure({ placeholder }),
    // Highlights over commented text, which the version viewer does not show.
    CommentHighlights,
    // Find and replace's matches, highlighted (components/FindBar.tsx).
    FindReplace,
    // The headings for the outline panel (components/Outline.tsx).
    DocumentOutline,
    // Shortcuts act on the selection the browser shows, even one it has not reported yet.
    BrowserSelectionSync,
    ...(imageUploads ? [ImageUploads.configure(imageUploads)] : []),
    // HTML pasted from Google Docs, Word and web pages, reduced to what the schema holds.
    PasteCleanup,
  ];
}
