/**
 * The browser's image upload (lib/protocol/image-upload.ts): the file's bytes to the room's
 * upload route with XMLHttpRequest, whose upload progress fetch cannot report; the answer
 * becomes the image's absolute address, and a refusal a message people can act on.
 */
import { roomImagesPath, type ImageUploadErrorCode, type ImageUploadResponse } from '../protocol/image-upload';

/** Where uploads go and how they are authorized (token mode: the page's edit token). */
export interface ImageUploadEndpoint {
  apiBase: string;
  room: string;
  /** Resolves the bearer token, or null in open mode. */
  token: () => Promise<string | null>;
}

/** An uploaded image as the document stores it. */
export interface UploadedImage {
  /** Absolute: exports and other servers' readers resolve it without this page's origin. */
  src: string;
  width: number;
  height: number;
}

/** An upload that did not store the image, with what to tell the person. */
export class ImageUploadFailed extends Error {
  constructor(
    readonly code: ImageUploadErrorCode | 'offline' | 'network' | 'server',
    message: string,
  ) {
    super(message);
  }
}

/** What each refusal tells the person who tried. */
const MESSAGES: Record<ImageUploadErrorCode, (file: string, serverMessage: string) => string> = {
  image_too_large: (file, said) => `“${file}” was not uploaded: ${said}.`,
  unsupported_image_type: (file) => `“${file}” was not uploaded: only PNG, JPEG, GIF and WebP images can be added.`,
  room_quota_exceeded: (file) => `“${file}” was not uploaded: this document has no room for more images.`,
  unauthorized: (file) => `“${file}” was not uploaded: your access to this document has expired. Reload the page.`,
  forbidden: (file) => `“${file}” was not uploaded: this link does not allow editing.`,
  invalid_room: (file) => `“${file}” was not uploaded: this is not a document the server accepts.`,
  room_deleted: (file) => `“${file}” was not uploaded: this document was deleted.`,
  empty_body: (file) => `“${file}” was not uploaded: the file is empty.`,
};

/** The message for a failed upload of `file` (a file name). */
export function uploadFailureMessage(file: string, code: ImageUploadFailed['code'], serverMessage = ''): string {
  if (code === 'offline') return `“${file}” was not uploaded: you are offline. Add it again once you are back online.`;
  if (code === 'network') return `“${file}” was not uploaded: the server could not be reached.`;
  if (code === 'server') return `“${file}” was not uploaded: the server failed (${serverMessage || 'no answer'}).`;
  return MESSAGES[code](file, serverMessage);
}

/**
 * Uploads `file`; `onProgress` gets the share sent so far (0–1). Rejects with ImageUploadFailed,
 * at once when the browser knows it is offline.
 */
export async function uploadImage(endpoint: ImageUploadEndpoint, file: Blob & { name?: string }, onProgress: (sent: number) => void): Promise<UploadedImage> {
  const name = file.name || 'image';
  if (typeof navigator !== 'undefined' && navigator.onLine === false) throw new ImageUploadFailed('offline', uploadFailureMessage(name, 'offline'));
  const token = await endpoint.token();
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', `${endpoint.apiBase}${roomImagesPath(endpoint.room)}`);
    if (token) request.setRequestHeader('authorization', `Bearer ${token}`);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    request.onerror = () => {
      const offline = typeof navigator !== 'undefined' && navigator.onLine === false;
      reject(new ImageUploadFailed(offline ? 'offline' : 'network', uploadFailureMessage(name, offline ? 'offline' : 'network')));
    };
    request.onload = () => {
      let body: Partial<ImageUploadResponse & { error: string; code: ImageUploadErrorCode }> = {};
      try {
        body = JSON.parse(request.responseText) as typeof body;
      } catch {
        // Not JSON (a proxy's error page): reported as the server's failure below.
      }
      if (request.status === 200 || request.status === 201) {
        if (typeof body.path !== 'string' || !Number.isFinite(body.width) || !Number.isFinite(body.height)) {
          return reject(new ImageUploadFailed('server', uploadFailureMessage(name, 'server', 'unexpected answer')));
        }
        return resolve({ src: `${endpoint.apiBase}${body.path}`, width: body.width!, height: body.height! });
      }
      if (body.code && body.code in MESSAGES) return reject(new ImageUploadFailed(body.code, uploadFailureMessage(name, body.code, body.error ?? '')));
      // A proxy in front may refuse a large body itself, without Tandem's JSON.
      if (request.status === 413) return reject(new ImageUploadFailed('image_too_large', uploadFailureMessage(name, 'image_too_large', 'it is too large')));
      reject(new ImageUploadFailed('server', uploadFailureMessage(name, 'server', `HTTP ${request.status}`)));
    };
    request.send(file);
  });
}
