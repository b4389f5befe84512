/** Why a comment operation was refused: the answer's `code` and its message, said to the client. */
import type { CommentErrorCode } from '../../lib/protocol/comments';

export class CommentRefused extends Error {
  override name = 'CommentRefused';
  constructor(
    readonly code: CommentErrorCode,
    message: string,
  ) {
    super(message);
  }
}
