/**
 * Tandem's presence (awareness state) schema, shared by the sync server, which refuses any
 * state outside it before relaying, and the browser, which ignores any remote state outside it
 * before drawing carets and avatars. Presence is JSON from other people's clients: nothing in
 * it may be trusted to have the shape the caret plugin or the avatar stack expects.
 */
import { MAX_NAME_LENGTH } from '../prefs/identity';

/** A Yjs ID as JSON: which client, which clock. */
export interface IdJson {
  client: number;
  clock: number;
}

/** A Yjs RelativePosition as JSON (what `JSON.stringify` makes of one). */
export interface RelativePositionJson {
  type?: IdJson | null;
  tname?: string | null;
  item?: IdJson | null;
  assoc?: number;
}

/** The awareness `user` field: display name, caret colour, and whether they only view or comment. */
export interface PresenceUserJson {
  name: string;
  color: string;
  viewing?: true;
  commenting?: true;
}

/** One person's awareness state, as Tandem's browsers publish it. Every field is optional. */
export interface PresenceState {
  user?: PresenceUserJson;
  cursor?: { anchor: RelativePositionJson; head: RelativePositionJson } | null;
  /** Epoch ms of their last edit or caret move (lib/presence/presence-activity.ts). */
  lastActive?: number;
}

/** Caret and avatar colours: six hex digits, nothing CSS could read as an image or a url. */
export const PRESENCE_COLOR_PATTERN = /^#[0-9a-fA-F]{6}$/;
/** Longest root-type name a caret position may name. */
const MAX_TYPE_NAME_LENGTH = 64;

const STATE_FIELDS = new Set(['user', 'cursor', 'lastActive']);
const USER_FIELDS = new Set(['name', 'color', 'viewing', 'commenting']);
const CURSOR_FIELDS = new Set(['anchor', 'head']);
const POSITION_FIELDS = new Set(['type', 'tname', 'item', 'assoc']);

/**
 * Why `value` is not a Tandem presence state, or null when it is one. `null` itself (a
 * removal) is not a state; callers handle removals before asking.
 */
export function presenceStateProblem(value: unknown): string | null {
  if (!isPlainObject(value)) return 'presence state is not an object';
  const unknown = unknownField(value, STATE_FIELDS);
  if (unknown) return `unknown presence field "${clip(unknown)}"`;
  if ('user' in value) {
    const problem = userProblem(value.user);
    if (problem) return problem;
  }
  if ('cursor' in value && value.cursor !== null) {
    const problem = cursorProblem(value.cursor);
    if (problem) return problem;
  }
  if ('lastActive' in value && !(typeof value.lastActive === 'number' && Number.isFinite(value.lastActive))) {
    return 'lastActive is not a finite number';
  }
  return null;
}

/** Whether `value` is a Tandem presence state (see presenceStateProblem). */
export function isPresenceState(value: unknown): value is PresenceState {
  return presenceStateProblem(value) === null;
}

function userProblem(user: unknown): string | null {
  if (!isPlainObject(user)) return 'user is not an object';
  const unknown = unknownField(user, USER_FIELDS);
  if (unknown) return `unknown user field "${clip(unknown)}"`;
  if (typeof user.name !== 'string' || !isDisplayName(user.name)) return 'user name is not plain text of 1–40 characters';
  if (typeof user.color !== 'string' || !PRESENCE_COLOR_PATTERN.test(user.color)) return 'user colour is not #rrggbb';
  if ('viewing' in user && user.viewing !== true) return 'viewing is not true';
  if ('commenting' in user && user.commenting !== true) return 'commenting is not true';
  if ('viewing' in user && 'commenting' in user) return 'viewing and commenting at once';
  return null;
}

/** Plain text a caret label can show: 1–40 characters, no control characters. */
function isDisplayName(name: string): boolean {
  // Each character is at most two UTF-16 units: a longer string is too long without counting.
  if (name.length > 2 * MAX_NAME_LENGTH) return false;
  const length = Array.from(name).length;
  return length >= 1 && length <= MAX_NAME_LENGTH && !/[\u0000-\u001f\u007f-\u009f]/.test(name);
}

function cursorProblem(cursor: unknown): string | null {
  if (!isPlainObject(cursor)) return 'cursor is not an object';
  const unknown = unknownField(cursor, CURSOR_FIELDS);
  if (unknown) return `unknown cursor field "${clip(unknown)}"`;
  if (!isRelativePosition(cursor.anchor) || !isRelativePosition(cursor.head)) {
    return 'cursor anchor or head is not a relative position';
  }
  return null;
}

/** The shape Y.createRelativePositionFromJSON reads, naming at least one thing to resolve. */
function isRelativePosition(value: unknown): value is RelativePositionJson {
  if (!isPlainObject(value) || unknownField(value, POSITION_FIELDS)) return false;
  const { type = null, tname = null, item = null, assoc = 0 } = value;
  if (type !== null && !isId(type)) return false;
  if (item !== null && !isId(item)) return false;
  if (tname !== null && !(typeof tname === 'string' && tname.length >= 1 && tname.length <= MAX_TYPE_NAME_LENGTH)) return false;
  if (!Number.isSafeInteger(assoc)) return false;
  // Yjs throws on a position that names neither an item, a type nor a root name.
  return type !== null || item !== null || tname !== null;
}

function isId(value: unknown): value is IdJson {
  if (!isPlainObject(value) || unknownField(value, new Set(['client', 'clock']))) return false;
  return isUint(value.client) && isUint(value.clock);
}

const isUint = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A field name short enough to quote in a reason (it is the sender's text, of any length). */
const clip = (name: string) => (name.length > MAX_TYPE_NAME_LENGTH ? `${name.slice(0, MAX_TYPE_NAME_LENGTH)}…` : name);

function unknownField(value: Record<string, unknown>, known: Set<string>): string | null {
  for (const key of Object.keys(value)) if (!known.has(key)) return key;
  return null;
}
