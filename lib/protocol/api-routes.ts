/**
 * Tandem's HTTP API, served by the same process and port as the sync server (server/api.ts).
 * Shared with the browser so both sides spell the routes the same way.
 *
 * - `GET  /api/rooms/<room>/view-link` → `{ viewId }`: the room's view id (created on first use).
 * - `POST /api/rooms/<room>/view-link` → `{ viewId }`: rotates it; the old id stops working at
 *   once and viewers connected through it are closed with 4410.
 *   In token mode both need `Authorization: Bearer <edit token for the room>`.
 * - `GET`/`POST /api/rooms/<room>/comment-link` → `{ commentId }`: the same for the room's comment
 *   link (commenters are closed with 4410 on rotation).
 * - `POST /api/token` with `{ room }`, `{ commentId }` or `{ viewId }` → `{ token, role, expiresAt }`
 *   (token mode only, and only where the web app runs): a short-lived token for the holder of an
 *   edit link (role edit, claim room = room id), a comment link (role comment, claim room =
 *   comment id) or a view link (role view, claim room = view id), so neither of the last two
 *   reveals the room id.
 * - `POST /api/rooms/<room>/images` with an image's bytes as the body → `{ id, path, width,
 *   height, contentType, bytes }` (201, or 200 for bytes the room holds already); refusals are
 *   `{ error, code }` with an ImageUploadErrorCode (lib/protocol/image-upload.ts). Token mode:
 *   `Authorization: Bearer <edit token for the room>`.
 * - `GET /api/images/<id>` → the image, by its unguessable id (the id is the capability: an
 *   `<img>` cannot send a token).
 */
export const API_PREFIX = '/api';

/** Path of a room's view-link resource. */
export function viewLinkPath(room: string): string {
  return `${API_PREFIX}/rooms/${room}/view-link`;
}

/** Path of a room's comment-link resource. */
export function commentLinkPath(room: string): string {
  return `${API_PREFIX}/rooms/${room}/comment-link`;
}

/** Path of the token-minting endpoint. */
export const TOKEN_PATH = `${API_PREFIX}/token`;

export interface ViewLinkResponse {
  viewId: string;
}

export interface CommentLinkResponse {
  commentId: string;
}

export interface TokenResponse {
  token: string;
  role: 'edit' | 'comment' | 'view';
  /** Epoch milliseconds. */
  expiresAt: number;
}
