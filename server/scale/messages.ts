/**
 * The messages server instances exchange through Redis, one room per channel. Binary and
 * compact: [varuint type][varstring sender][varstring target][varuint8array payload], written
 * with lib0's encoding (the same as the y-websocket protocol). `target` is empty for everyone.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { ClientBinding } from '../storage';

export const ScaleMessageType = {
  /** A change the sender's clients made, stored by the sender. */
  UPDATE: 0,
  /** An awareness (presence) update of the sender's clients (addressed when it answers PRESENCE_QUERY). */
  AWARENESS: 1,
  /** The sender's state vector and delete-set digest: "send me what I lack". */
  STATE: 2,
  /** What the target lacked, answering its STATE. */
  HEAL: 3,
  /** The sender unloaded the room (or is shutting down): drop the presence it relayed. */
  LEFT: 4,
  /** On the control channel: a view link was rotated; payload is the old view id (UTF-8). */
  VIEW_LINK_REVOKED: 5,
  /**
   * The sender starts holding the room: every instance answers with its own clients' presence,
   * as an AWARENESS addressed to it. What was shared before the sender subscribed never reached
   * it, and clients renew their presence only every 15 s.
   */
  PRESENCE_QUERY: 6,
  /**
   * Client ids the sender's clients just bound to their authors (encodeBindings), published
   * just before the UPDATE that made them, so every instance refuses the same forgeries.
   */
  BINDINGS: 7,
  /**
   * Presence ids the sender's editors just announced, with their authors (encodeBindings),
   * published just before that presence (and addressed, answering PRESENCE_QUERY), so no one on
   * another instance takes an id before its editor first types.
   */
  RESERVED: 8,
  /**
   * On the control channel: a comment link was rotated; payload is the old comment id (UTF-8).
   * A type of its own rather than a kind inside VIEW_LINK_REVOKED, so instances of the version
   * before comment links still read their view rotations the same way (and ignore this).
   */
  COMMENT_LINK_REVOKED: 9,
  /** A change to the room's comment threads (a Yjs update of its side document), stored by the sender. */
  COMMENTS: 10,
  /**
   * On the control channel: a room was deleted (`npm run admin -- delete`); payload is its id
   * (UTF-8). Instances holding it look the tombstone up in storage before they close anything.
   */
  ROOM_DELETED: 11,
} as const;

/** The channel of messages about no one room (link rotations, deletions). */
export const CONTROL_CHANNEL = 'tandem:control';
export type ScaleMessageTypeValue = (typeof ScaleMessageType)[keyof typeof ScaleMessageType];

/** Metric label per message type. */
export const SCALE_MESSAGE_KINDS: Record<ScaleMessageTypeValue, string> = {
  0: 'update',
  1: 'awareness',
  2: 'state',
  3: 'heal',
  4: 'left',
  5: 'view_link_revoked',
  6: 'presence_query',
  7: 'bindings',
  8: 'reserved',
  9: 'comment_link_revoked',
  10: 'comments',
  11: 'room_deleted',
};

export interface ScaleMessage {
  type: ScaleMessageTypeValue;
  /** Instance id of the sender. */
  sender: string;
  /** Instance id this is for, or '' for every instance. */
  target: string;
  payload: Uint8Array;
}

/** What a STATE message carries. */
export interface StateOffer {
  stateVector: Uint8Array;
  /** Digest of the sender's delete set: deletions do not show in a state vector. */
  deleteSetDigest: Uint8Array;
}

/** Encodes a message for PUBLISH. */
export function encodeScaleMessage(message: ScaleMessage): Buffer {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, message.type);
  encoding.writeVarString(encoder, message.sender);
  encoding.writeVarString(encoder, message.target);
  encoding.writeVarUint8Array(encoder, message.payload);
  return Buffer.from(encoding.toUint8Array(encoder));
}

/** Decodes a received message; throws on anything malformed or of an unknown type. */
export function decodeScaleMessage(bytes: Uint8Array): ScaleMessage {
  const decoder = decoding.createDecoder(bytes);
  const type = decoding.readVarUint(decoder);
  if (!(type in SCALE_MESSAGE_KINDS)) throw new Error(`unknown scale message type ${type}`);
  const sender = decoding.readVarString(decoder);
  const target = decoding.readVarString(decoder);
  const payload = decoding.readVarUint8Array(decoder);
  return { type: type as ScaleMessageTypeValue, sender, target, payload };
}

/** Encodes a STATE payload. */
export function encodeStateOffer(offer: StateOffer): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint8Array(encoder, offer.stateVector);
  encoding.writeVarUint8Array(encoder, offer.deleteSetDigest);
  return encoding.toUint8Array(encoder);
}

/** Decodes a STATE payload. */
export function decodeStateOffer(payload: Uint8Array): StateOffer {
  const decoder = decoding.createDecoder(payload);
  return { stateVector: decoding.readVarUint8Array(decoder), deleteSetDigest: decoding.readVarUint8Array(decoder) };
}

/** Encodes client-id bindings for a BINDINGS message: [count][client id, author id]*. */
export function encodeBindings(bindings: readonly ClientBinding[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, bindings.length);
  for (const { clientId, authorId } of bindings) {
    encoding.writeVarUint(encoder, clientId);
    encoding.writeVarString(encoder, authorId);
  }
  return encoding.toUint8Array(encoder);
}

/** Decodes a BINDINGS payload; throws on a malformed one. */
export function decodeBindings(payload: Uint8Array): ClientBinding[] {
  const decoder = decoding.createDecoder(payload);
  const count = decoding.readVarUint(decoder);
  const bindings: ClientBinding[] = [];
  for (let i = 0; i < count; i++) bindings.push({ clientId: decoding.readVarUint(decoder), authorId: decoding.readVarString(decoder) });
  return bindings;
}
