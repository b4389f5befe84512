/**
 * The three links a document is shared by. The edit link carries the room id (in open mode the
 * room id is the edit capability); the comment and view links carry only their own ids, never
 * the room id.
 */

/** The link that opens the document for editing. */
export function editLinkFor(origin: string, room: string): string {
  return `${origin}/d/${room}`;
}

/** The link that opens the document for commenting (its text read-only). */
export function commentLinkFor(origin: string, commentId: string): string {
  return `${origin}/c/${commentId}`;
}

/** The link that opens the document read-only. */
export function viewLinkFor(origin: string, viewId: string): string {
  return `${origin}/v/${viewId}`;
}
