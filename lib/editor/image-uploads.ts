/**
 * Images pasted, dropped or picked as files: each is uploaded (the caller's `upload`, e.g.
 * lib/client/image-upload-client.ts) while a placeholder with its progress stands where it will
 * go, and becomes an image node once the server has stored it. The placeholder is a widget
 * decoration of this editor only, never a node of the shared document, so nobody else ever
 * receives a half-uploaded or broken image. Its place is a Yjs relative position, so it stays
 * put while other people edit (a remote change replaces the editor's content wholesale, which
 * ProseMirror's own position mapping would not survive).
 */
import { Extension } from '@tiptap/core';
import { Plugin, PluginKey, TextSelection, type EditorState, type Transaction } from '@tiptap/pm/state';
import { Decoration, DecorationSet, type EditorView } from '@tiptap/pm/view';
import { absolutePositionToRelativePosition, relativePositionToAbsolutePosition, ySyncPluginKey } from '@tiptap/y-tiptap';
import * as Y from 'yjs';

/** What an upload resolves with: the image's stored address and pixel size. */
export interface StoredImage {
  src: string;
  width: number;
  height: number;
}

export interface ImageUploadsOptions {
  /** Uploads one file; `onProgress` takes the share sent (0–1). Null: files are not taken. */
  upload: ((file: File, onProgress: (share: number) => void) => Promise<StoredImage>) | null;
  /** Told why an upload failed, in words for the person who tried. */
  onError: (message: string) => void;
}

interface PendingUpload {
  id: number;
  /** Where the image goes, in Yjs terms (null before the binding exists: then `pos`). */
  relative: Y.RelativePosition | null;
  /** Where the image goes in this editor, mapped through every transaction. */
  pos: number;
  element: HTMLElement;
}

type UploadMeta = { add: PendingUpload } | { remove: number };

const uploadsKey = new PluginKey<PendingUpload[]>('imageUploads');
let nextUploadId = 1;

declare module '@tiptap/core' {
  interface Commands<ReturnType> {
    imageUploads: {
      /** Uploads `files` (images only; others are ignored) and inserts each at `pos` (default: the caret). */
      uploadImages: (files: File[], pos?: number) => ReturnType;
    };
  }
}

/** The files of a paste or drop that are images by their type (the server checks the bytes). */
function imageFiles(files: FileList | null | undefined): File[] {
  return Array.from(files ?? []).filter((file) => file.type.startsWith('image/'));
}

function syncState(state: EditorState) {
  const sync = ySyncPluginKey.getState(state) as
    | { doc: Y.Doc; type?: Y.XmlFragment; binding?: { mapping: Parameters<typeof absolutePositionToRelativePosition>[2] } }
    | undefined;
  return sync?.type && sync.binding ? { doc: sync.doc, type: sync.type, mapping: sync.binding.mapping } : null;
}

/** The upload's current place in `state`'s document. */
function placeOf(state: EditorState, upload: PendingUpload): number {
  const sync = syncState(state);
  const resolved = sync && upload.relative ? relativePositionToAbsolutePosition(sync.doc, sync.type, upload.relative, sync.mapping) : null;
  return Math.max(0, Math.min(resolved ?? upload.pos, state.doc.content.size));
}

function placeholderElement(name: string): HTMLElement {
  const element = document.createElement('span');
  element.className = 'image-upload-placeholder';
  element.contentEditable = 'false';
  element.setAttribute('role', 'status');
  element.dataset.progress = '0';
  element.textContent = `Uploading ${name}… 0%`;
  return element;
}

/**
 * Inserts the uploaded image at `at` (a block: it splits or follows the paragraph there). A caret
 * still waiting where the placeholder was moves past the image, so typing on never replaces it;
 * a caret that moved on stays where it is.
 */
function insertImage(tr: Transaction, at: number, image: StoredImage): void {
  const caretWaiting = tr.selection.empty && tr.selection.from === at;
  tr.replaceRangeWith(at, at, tr.doc.type.schema.nodes.image.create({ src: image.src, alt: null }));
  if (!caretWaiting) return;
  let after: number | null = null;
  tr.doc.nodesBetween(Math.max(0, at - 2), Math.min(tr.doc.content.size, at + 4), (node, pos) => {
    if (after === null && node.type.name === 'image' && node.attrs.src === image.src) after = pos + node.nodeSize;
    return after === null;
  });
  if (after === null) return;
  if (!tr.doc.resolve(after).nodeAfter?.isTextblock) tr.insert(after, tr.doc.type.schema.nodes.paragraph.create());
  tr.setSelection(TextSelection.create(tr.doc, after + 1));
}

/** Starts uploading `files` into `view` at `pos`; each becomes an image where its placeholder is. */
function startUploads(view: EditorView, files: File[], pos: number, options: ImageUploadsOptions): void {
  const upload = options.upload;
  if (!upload) return;
  for (const file of files) {
    const sync = syncState(view.state);
    const element = placeholderElement(file.name || 'image');
    const pending: PendingUpload = {
      id: nextUploadId++,
      relative: sync ? (absolutePositionToRelativePosition(pos, sync.type, sync.mapping) as Y.RelativePosition) : null,
      pos,
      element,
    };
    view.dispatch(view.state.tr.setMeta(uploadsKey, { add: pending } satisfies UploadMeta));
    const finish = (image: StoredImage | null) => {
      if (view.isDestroyed) return;
      const current = uploadsKey.getState(view.state)?.find((candidate) => candidate.id === pending.id);
      if (!current) return;
      const tr = view.state.tr.setMeta(uploadsKey, { remove: pending.id } satisfies UploadMeta);
      if (image) insertImage(tr, placeOf(view.state, current), image);
      view.dispatch(tr);
    };
    upload(file, (share) => {
      const percent = Math.round(share * 100);
      element.dataset.progress = String(percent);
      element.textContent = `Uploading ${file.name || 'image'}… ${percent}%`;
    }).then(finish, (error: Error) => {
      finish(null);
      options.onError(error.message);
    });
  }
}

/** Paste, drop and `uploadImages` of image files, with local placeholders while they upload. */
export const ImageUploads = Extension.create<ImageUploadsOptions>({
  name: 'imageUploads',

  addOptions() {
    return { upload: null, onError: () => {} };
  },

  addCommands() {
    return {
      uploadImages:
        (files, pos) =>
        ({ view, state, dispatch }) => {
          const images = files.filter((file) => file.type.startsWith('image/'));
          if (images.length === 0 || !this.options.upload) return false;
          const at = pos ?? state.selection.from;
          // After the command's own transaction (a chain's focus()), never inside it.
          if (dispatch) queueMicrotask(() => startUploads(view, images, at, this.options));
          return true;
        },
    };
  },

  addProseMirrorPlugins() {
    const options = this.options;
    return [
      new Plugin<PendingUpload[]>({
        key: uploadsKey,
        state: {
          init: () => [],
          apply(tr, uploads) {
            const meta = tr.getMeta(uploadsKey) as UploadMeta | undefined;
            let next = tr.docChanged ? uploads.map((upload) => ({ ...upload, pos: tr.mapping.map(upload.pos) })) : uploads;
            if (meta && 'add' in meta) next = [...next, meta.add];
            if (meta && 'remove' in meta) next = next.filter((upload) => upload.id !== meta.remove);
            return next;
          },
        },
        props: {
          decorations(state) {
            const uploads = uploadsKey.getState(state) ?? [];
            if (uploads.length === 0) return null;
            return DecorationSet.create(
              state.doc,
              uploads.map((upload) => Decoration.widget(placeOf(state, upload), upload.element, { key: `image-upload-${upload.id}`, side: -1 })),
            );
          },
          handlePaste(view, event) {
            const files = imageFiles(event.clipboardData?.files);
            if (files.length === 0 || !options.upload) return false;
            event.preventDefault();
            const { from, to } = view.state.selection;
            if (from !== to) view.dispatch(view.state.tr.deleteSelection());
            startUploads(view, files, view.state.selection.from, options);
            return true;
          },
          handleDrop(view, event, _slice, moved) {
            const files = moved ? [] : imageFiles(event.dataTransfer?.files);
            if (files.length === 0 || !options.upload) return false;
            event.preventDefault();
            const at = view.posAtCoords({ left: event.clientX, top: event.clientY });
            startUploads(view, files, at?.pos ?? view.state.selection.from, options);
            return true;
          },
        },
      }),
    ];
  },
});
