/**
 * What the rest of the server needs from scale-out (REDIS_URL; server/scale/ implements it):
 * the registry links each loaded room to the other instances that hold it, the HTTP front
 * shares view- and comment-link rotations and reports Redis for readiness, and the process closes it.
 * Declared here, beside its consumers, so none of them depends on the Redis implementation.
 */
import type { Room } from './room';

export interface ScaleOut {
  /** This instance's id among the others (INSTANCE_ID, or a random one). */
  readonly instanceId: string;
  /** The room is loaded: relay its stored changes and presence, and ask the peers for what it lacks. */
  attach(room: Room): void;
  /** The room is about to be freed: stop relaying it. */
  detach(room: Room): void;
  /** Tells the other instances a view link was rotated, so they close its viewers too. */
  revokeViewLink(viewId: string): void;
  /** Tells the other instances a comment link was rotated, so they close its commenters too. */
  revokeCommentLink(commentId: string): void;
  /** Resolves when the other instances can be reached; rejects with the reason (readiness). */
  ping(): Promise<void>;
  /** Tells the peers this instance holds no room any more, then disconnects. Idempotent. */
  close(): Promise<void>;
}
