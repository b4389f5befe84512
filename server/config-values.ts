/**
 * How a variable's text becomes a setting's value. Each parser gets the (non-empty) text and
 * the variable's name and throws an error naming the variable, so a bad value stops the server
 * at start. The settings themselves are declared in config.ts.
 */
import { isValidProxyEntry } from './client-address';

/** Environment variables as plain strings (process.env qualifies). */
export type Env = Record<string, string | undefined>;

/** Turns a variable's text into a value, or throws naming the variable. */
export type Parse<T> = (raw: string, name: string) => T;

/** An integer in [min, max]. */
export function integer(min: number, max = Number.MAX_SAFE_INTEGER): Parse<number> {
  return (raw, name) => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`${name} must be an integer between ${min} and ${max}; got "${raw}"`);
    }
    return value;
  };
}

/** One of a fixed set of words. */
export function oneOf<T extends string>(choices: readonly T[]): Parse<T> {
  return (raw, name) => {
    if (!(choices as readonly string[]).includes(raw)) throw new Error(`${name} must be one of ${choices.join(', ')}; got "${raw}"`);
    return raw as T;
  };
}

/** The text as it is. */
export const text: Parse<string> = (raw) => raw;

/** Comma-separated items, trimmed; empty items are skipped. */
export const commaList: Parse<string[]> = (raw) => raw.split(',').map((item) => item.trim()).filter(Boolean);

/** Minimum AUTH_SECRET length: HS256 keys shorter than the hash are brute-forceable. */
export const MIN_AUTH_SECRET_LENGTH = 32;

export const authSecret: Parse<string> = (secret, name) => {
  if (secret.length < MIN_AUTH_SECRET_LENGTH) {
    throw new Error(`${name} must be at least ${MIN_AUTH_SECRET_LENGTH} characters (e.g. \`openssl rand -hex 32\`)`);
  }
  return secret;
};

/** CSP sources: an http(s) origin (a `*.` host wildcard allowed) or 'self'; nothing that could end the directive. */
const FRAME_ANCESTOR = /^(?:'self'|https?:\/\/(?:\*\.)?[A-Za-z0-9.-]+(?::\d{1,5})?)$/;

export const frameAncestors: Parse<string[]> = (raw, name) => {
  const sources = raw.split(/[\s,]+/).filter(Boolean);
  const bad = sources.find((source) => !FRAME_ANCESTOR.test(source));
  if (bad !== undefined) {
    throw new Error(`${name} must list origins such as https://wiki.example.com (or 'self'); got "${bad}"`);
  }
  return sources;
};

export const syncUrl: Parse<string> = (raw, name) => {
  let url: URL | null = null;
  try {
    url = new URL(raw);
  } catch {
    // Reported below with the variable's name.
  }
  if (!url || !['ws:', 'wss:', 'http:', 'https:'].includes(url.protocol)) {
    throw new Error(`${name} must be a ws:// or wss:// URL such as wss://sync.example.com/sync; got "${raw}"`);
  }
  return raw;
};

/** Minimum METRICS_TOKEN length: it is compared as a password. */
export const MIN_METRICS_TOKEN_LENGTH = 16;

export const metricsToken: Parse<string> = (token, name) => {
  if (token.length < MIN_METRICS_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(token)) {
    throw new Error(`${name} must be at least ${MIN_METRICS_TOKEN_LENGTH} printable characters without spaces`);
  }
  return token;
};

export const redisUrl: Parse<string> = (url, name) => {
  if (!/^rediss?:\/\//.test(url)) throw new Error(`${name} must start with redis:// or rediss://; got "${url}"`);
  return url;
};

/**
 * Root names are what Yjs scans per struct when it encodes (cost grows with their number), so
 * only the ones the app uses are allowed; a self-hoster serving another Yjs app lists its own.
 */
export const rootNames: Parse<string[]> = (raw, name) => {
  const names = commaList(raw, name);
  if (names.length === 0 || names.length > 64 || names.some((root) => root.length > 64)) {
    throw new Error(`${name} must list 1 to 64 comma-separated names of at most 64 characters; got "${raw}"`);
  }
  return names;
};

/** Instance ids travel in every fan-out message: short, printable, no separators. */
export const instanceId: Parse<string> = (id, name) => {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(id)) throw new Error(`${name} must match [A-Za-z0-9_.-]{1,64}; got "${id}"`);
  return id;
};

/** A forwarding header is only believed from these peers (see client-address.ts). */
export const trustedProxies: Parse<string[]> = (raw, name) => {
  const entries = commaList(raw, name);
  const bad = entries.find((entry) => !isValidProxyEntry(entry));
  if (bad !== undefined) {
    throw new Error(`${name} must list IP addresses, CIDR blocks or "loopback", comma-separated; got "${bad}"`);
  }
  return entries;
};

/** A header name, lower-cased as Node.js presents request headers. */
export const headerName: Parse<string> = (raw, name) => {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(raw)) throw new Error(`${name} must be a header name; got "${raw}"`);
  return raw.toLowerCase();
};
