/**
 * Tells every server instance at once that a room was deleted: one ROOM_DELETED on Redis'
 * control channel, from a process that is no instance (the admin command). Instances look the
 * tombstone up before acting, and find it within a second anyway (room-deletion.ts), so this
 * only makes the close immediate; a Redis that cannot be reached costs that second, nothing else.
 */
import { Redis } from 'ioredis';
import { CONTROL_CHANNEL, encodeScaleMessage, ScaleMessageType } from './messages';

/** Publishes the deletion of `room`; resolves with how many instances heard it. */
export async function announceRoomDeleted(redisUrl: string, room: string, timeoutMs: number): Promise<number> {
  const redis = new Redis(redisUrl, {
    connectionName: 'tandem:admin',
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    // One attempt: the instances poll anyway, so waiting for Redis to come back buys nothing.
    retryStrategy: () => null,
    lazyConnect: true,
  });
  // Errors surface through the rejected commands below; the event must not crash the process.
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const frame = encodeScaleMessage({ type: ScaleMessageType.ROOM_DELETED, sender: `admin-${process.pid}`, target: '', payload: new TextEncoder().encode(room) });
    return await redis.publish(CONTROL_CHANNEL, frame);
  } finally {
    redis.disconnect();
  }
}
