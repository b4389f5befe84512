/**
 * Image uploads, as browser and server both spell them: the routes (server/image-api.ts), the
 * answer, and the stable error codes a refusal carries, which the browser turns into messages.
 */
import { API_PREFIX } from './api-routes';

/** Where an image for `room` is uploaded (POST, the image's bytes as the body). */
export function roomImagesPath(room: string): string {
  return `${API_PREFIX}/rooms/${room}/images`;
}

/** The prefix of the path an image is served from: `/api/images/<id>`. */
export const IMAGE_PATH_PREFIX = `${API_PREFIX}/images/`;

/** Where the image `id` is served. */
export function imagePath(id: string): string {
  return `${IMAGE_PATH_PREFIX}${id}`;
}

/** What a successful upload answers. */
export interface ImageUploadResponse {
  id: string;
  /** Where it is served (imagePath(id)), relative to the API's base. */
  path: string;
  contentType: string;
  bytes: number;
  width: number;
  height: number;
}

/** Why an upload was refused, as the `code` of its JSON answer. */
export type ImageUploadErrorCode =
  /** 413: over MAX_UPLOAD_BYTES. */
  | 'image_too_large'
  /** 415: not a whole PNG, JPEG, GIF or WebP file (by its bytes). */
  | 'unsupported_image_type'
  /** 507: the room's images would exceed MAX_ROOM_UPLOAD_BYTES. */
  | 'room_quota_exceeded'
  /** 401: no token, or an invalid or expired one (token mode). */
  | 'unauthorized'
  /** 403: a token that does not grant editing this room, or an origin not allowed. */
  | 'forbidden'
  /** 400: not a room id (or too short for a new document in open mode). */
  | 'invalid_room'
  /** 410: the room was deleted. */
  | 'room_deleted'
  /** 400: an empty body. */
  | 'empty_body';

/** The refusal's JSON body. */
export interface ImageUploadError {
  error: string;
  code: ImageUploadErrorCode;
}
