/**
 * The one place that reads process.env. Everything else takes a plain ServerConfig, so tests
 * build servers from objects.
 */
import fs from 'node:fs';
import { parseEnv } from 'node:util';
import { isValidProxyEntry } from './client-address';
import { CONTENT_FRAGMENT_NAME, TITLE_TEXT_NAME } from '../lib/protocol/document-schema';

export interface ServerConfig {
  /** TCP port to listen on; 0 picks a free one. */
  port: number;
  /** Interface to bind. */
  host: string;
  /** `sqlite:<path>`, `postgres://…` or `memory:`. */
  databaseUrl: string;
  /**
   * SQLite commit durability: `full` fsyncs every commit (survives power loss); `normal` (WAL)
   * survives any process crash, kill -9 included, but may lose the last commits on power loss.
   */
  sqliteSynchronous: 'full' | 'normal';
  /** Largest accepted WebSocket frame; larger frames close the connection with 1009. */
  maxMessageBytes: number;
  /** pino level: fatal, error, warn, info, debug, trace, silent. */
  logLevel: string;
  /** How long a room with no connections stays in memory before it is stored and unloaded. */
  roomUnloadDelayMs: number;
  /** Log entries a room accumulates before it is compacted into one snapshot in the background. */
  compactAfterUpdates: number;
  /** Interval between WebSocket pings; a peer that misses one is dropped. */
  heartbeatIntervalMs: number;
  /** Longest a graceful shutdown may take before the process exits anyway. */
  shutdownTimeoutMs: number;
  /** HS256 secret; when set, every connection needs a signed token (token mode). */
  authSecret: string | null;
  /** Lifetime of tokens the web app mints for link holders. */
  tokenTtlSeconds: number;
  /** Longest remaining lifetime (`exp` − now) a token may have; longer ones are refused (401). */
  maxTokenTtlSeconds: number;
  /** The `aud` claim every token must carry (and the web app's tokens do). */
  tokenAudience: string;
  /**
   * Shortest room id accepted for a room that is not stored yet, in open mode (where the id is
   * the edit capability and `/d/notes` would be guessable); stored rooms open whatever their id.
   */
  minNewRoomIdLength: number;
  /** Browser origins allowed to open sockets and call the API; empty allows any. */
  allowedOrigins: string[];
  /** Largest stored size of one document (snapshot + log); larger updates close with 4413. */
  maxDocumentBytes: number;
  /** Document messages one connection may send per second on average (0: unlimited)… */
  updateRatePerSecond: number;
  /** …and in one burst. */
  updateBurst: number;
  /** Awareness messages one connection may send per second on average (0: unlimited)… */
  awarenessRatePerSecond: number;
  /** …and in one burst. */
  awarenessBurst: number;
  /** Connections one room may hold; more are closed with 4509. */
  maxConnectionsPerRoom: number;
  /** Rooms one process may hold in memory; joining another is closed with 4508. */
  maxLoadedRooms: number;
  /** Time a client has to complete the HTTP upgrade and then to send its first message. */
  handshakeTimeoutMs: number;
  /** Presence (awareness) client ids one connection may introduce; entries for more are dropped. */
  maxPresenceIdsPerConnection: number;
  /** Largest serialized presence state; a larger one closes its sender with 4400. */
  maxPresenceStateBytes: number;
  /** Presence bytes one room holds at most; new entries past it are dropped. */
  maxPresenceBytesPerRoom: number;
  /** Sync step 1 requests one connection may send per minute on average (0: unlimited)… */
  syncStep1RatePerMinute: number;
  /** …and in one burst; over it closes with 4429. */
  syncStep1Burst: number;
  /** Frame bytes one connection may send per second on average (0: unlimited)… */
  byteRatePerSecond: number;
  /** …and in one burst (at least MAX_MESSAGE_BYTES); over it closes with 4429. */
  byteBurst: number;
  /** Unsent bytes the server holds for one connection beyond its sync answer; past it, 4513. */
  maxSendBufferBytes: number;
  /** Top-level names a document's content may live under; structs under any other are refused. */
  documentRootNames: string[];
  /** Deepest nesting of types (blockquote in blockquote …) an update may create. */
  maxNestingDepth: number;
  /** Most structs (Yjs items) one document may hold; an update past it closes with 4413. */
  maxDocumentStructs: number;
  /**
   * Longest the document title may grow (UTF-16 code units); an update past it closes with 4400.
   * 0: no cap (for a Yjs app whose `title` root is not a short title).
   */
  maxTitleLength: number;
  /** Share of the V8 heap limit above which no further room is loaded (4508), in percent. */
  roomLoadHeapLimitPercent: number;
  /** Origins allowed to frame the app's pages (CSP frame-ancestors); empty: none may. */
  frameAncestors: string[];
  /** PUBLIC_SYNC_URL: the sync server's URL when it runs apart (the pages' CSP allows connecting to it). */
  publicSyncUrl: string | null;
  /** When set, `GET /metrics` needs `Authorization: Bearer <metricsToken>` (else 401). */
  metricsToken: string | null;
  /** Redis for fan-out between server instances (`redis://…`); null runs a single instance. */
  redisUrl: string | null;
  /** This instance's id in fan-out messages; null picks a random one per process. */
  instanceId: string | null;
  /** How often each instance offers its state vector per loaded room so peers can heal. */
  scaleHealIntervalMs: number;
  /** Peers (IPs, CIDR blocks, `loopback`) whose CLIENT_ADDRESS_HEADER names the client. */
  trustedProxies: string[];
  /** The header a trusted proxy names the client in (lower case), e.g. `x-forwarded-for`. */
  clientAddressHeader: string;
  /** Open TCP connections the process accepts (HTTP and WebSocket); 0: no cap. */
  maxHttpConnections: number;
  /** Open connections one client address may hold (TCP sockets, and WebSockets); 0: no cap. */
  maxConnectionsPerAddress: number;
  /** Distinct rooms one client address may hold connections in; 0: no cap. */
  maxRoomsPerAddress: number;
  /** Longest a started WebSocket message may take to arrive in full; else 4524. */
  messageAssemblyTimeoutMs: number;
  /** Most bytes storage may hold (0: no limit); content past it is refused with 4507. */
  maxStorageBytes: number;
  /** Free bytes the SQLite database's filesystem must keep (0: no floor); below it 4507. */
  minFreeDiskBytes: number;
  /** Most bytes all rooms together may hold received but unstored; past it 4504. */
  maxQueuedBytes: number;
  /** How long a room's appends may keep failing before its members are closed with 4504. */
  storageFailureTimeoutMs: number;
  /** Longest a PostgreSQL connection attempt or statement may take before it fails. */
  storageTimeoutMs: number;
  /** Longest a Redis command may take; PINGs past it twice in a row recycle the connection. */
  redisTimeoutMs: number;
}

/** Defaults for everything but the port, which depends on how the server is run. */
export const DEFAULT_CONFIG: Omit<ServerConfig, 'port'> = {
  host: '0.0.0.0',
  databaseUrl: 'sqlite:./data/tandem.db',
  sqliteSynchronous: 'full',
  maxMessageBytes: 1024 * 1024,
  logLevel: 'info',
  roomUnloadDelayMs: 5_000,
  compactAfterUpdates: 500,
  heartbeatIntervalMs: 30_000,
  shutdownTimeoutMs: 10_000,
  authSecret: null,
  tokenTtlSeconds: 600,
  maxTokenTtlSeconds: 24 * 60 * 60,
  tokenAudience: 'tandem',
  minNewRoomIdLength: 16,
  allowedOrigins: [],
  maxDocumentBytes: 32 * 1024 * 1024,
  updateRatePerSecond: 200,
  updateBurst: 2_000,
  awarenessRatePerSecond: 30,
  awarenessBurst: 300,
  maxConnectionsPerRoom: 250,
  maxLoadedRooms: 10_000,
  handshakeTimeoutMs: 10_000,
  maxPresenceIdsPerConnection: 2,
  maxPresenceStateBytes: 4 * 1024,
  maxPresenceBytesPerRoom: 1024 * 1024,
  syncStep1RatePerMinute: 10,
  syncStep1Burst: 5,
  byteRatePerSecond: 1024 * 1024,
  byteBurst: 8 * 1024 * 1024,
  maxSendBufferBytes: 16 * 1024 * 1024,
  documentRootNames: [CONTENT_FRAGMENT_NAME, TITLE_TEXT_NAME],
  maxNestingDepth: 64,
  maxDocumentStructs: 200_000,
  maxTitleLength: 1_000,
  roomLoadHeapLimitPercent: 80,
  frameAncestors: [],
  publicSyncUrl: null,
  metricsToken: null,
  redisUrl: null,
  instanceId: null,
  scaleHealIntervalMs: 5_000,
  trustedProxies: [],
  clientAddressHeader: 'x-forwarded-for',
  maxHttpConnections: 10_000,
  maxConnectionsPerAddress: 500,
  maxRoomsPerAddress: 100,
  messageAssemblyTimeoutMs: 30_000,
  maxStorageBytes: 0,
  // Room for what a full disk still needs: WAL growth until a checkpoint, and compactions,
  // each writing a snapshot of up to MAX_DOCUMENT_BYTES (32 MiB) before freeing the log, so
  // several can run; and it stops Tandem well before the disk is full for everything else.
  minFreeDiskBytes: 256 * 1024 * 1024,
  maxQueuedBytes: 64 * 1024 * 1024,
  storageFailureTimeoutMs: 10_000,
  storageTimeoutMs: 5_000,
  redisTimeoutMs: 2_000,
};

/** The port `npm run server` listens on when PORT is unset. */
export const SYNC_SERVER_DEFAULT_PORT = 1234;
/** The port `npm start` (app + sync on one port) listens on when PORT is unset. */
export const APP_DEFAULT_PORT = 3000;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Environment variables as plain strings (process.env qualifies). */
export type Env = Record<string, string | undefined>;

/** Reads the server configuration from environment variables, failing loudly on bad values. */
export function configFromEnv(env: Env, defaultPort: number): ServerConfig {
  const logLevel = env.LOG_LEVEL ?? DEFAULT_CONFIG.logLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got "${logLevel}"`);
  }
  const maxMessageBytes = readInteger(env, 'MAX_MESSAGE_BYTES', DEFAULT_CONFIG.maxMessageBytes, 1024);
  return {
    port: readInteger(env, 'PORT', defaultPort, 0, 65_535),
    host: env.HOST || DEFAULT_CONFIG.host,
    databaseUrl: env.DATABASE_URL || DEFAULT_CONFIG.databaseUrl,
    sqliteSynchronous: readChoice(env, 'SQLITE_SYNCHRONOUS', ['full', 'normal'] as const, DEFAULT_CONFIG.sqliteSynchronous),
    maxMessageBytes,
    logLevel,
    roomUnloadDelayMs: readInteger(env, 'ROOM_UNLOAD_DELAY_MS', DEFAULT_CONFIG.roomUnloadDelayMs, 0),
    compactAfterUpdates: readInteger(env, 'COMPACT_AFTER_UPDATES', DEFAULT_CONFIG.compactAfterUpdates, 1),
    heartbeatIntervalMs: DEFAULT_CONFIG.heartbeatIntervalMs,
    shutdownTimeoutMs: DEFAULT_CONFIG.shutdownTimeoutMs,
    authSecret: readSecret(env),
    ...readTokenLifetimes(env),
    tokenAudience: env.TOKEN_AUDIENCE || DEFAULT_CONFIG.tokenAudience,
    minNewRoomIdLength: readInteger(env, 'MIN_NEW_ROOM_ID_LENGTH', DEFAULT_CONFIG.minNewRoomIdLength, 1, 128),
    allowedOrigins: (env.ALLOWED_ORIGINS ?? '').split(',').map((origin) => origin.trim()).filter(Boolean),
    maxDocumentBytes: readInteger(env, 'MAX_DOCUMENT_BYTES', DEFAULT_CONFIG.maxDocumentBytes, 1024),
    updateRatePerSecond: readInteger(env, 'UPDATE_RATE_PER_SECOND', DEFAULT_CONFIG.updateRatePerSecond, 0),
    updateBurst: readInteger(env, 'UPDATE_BURST', DEFAULT_CONFIG.updateBurst, 1),
    awarenessRatePerSecond: readInteger(env, 'AWARENESS_RATE_PER_SECOND', DEFAULT_CONFIG.awarenessRatePerSecond, 0),
    awarenessBurst: readInteger(env, 'AWARENESS_BURST', DEFAULT_CONFIG.awarenessBurst, 1),
    maxConnectionsPerRoom: readInteger(env, 'MAX_CONNECTIONS_PER_ROOM', DEFAULT_CONFIG.maxConnectionsPerRoom, 1),
    maxLoadedRooms: readInteger(env, 'MAX_LOADED_ROOMS', DEFAULT_CONFIG.maxLoadedRooms, 1),
    handshakeTimeoutMs: readInteger(env, 'HANDSHAKE_TIMEOUT_MS', DEFAULT_CONFIG.handshakeTimeoutMs, 100),
    maxPresenceIdsPerConnection: readInteger(env, 'MAX_PRESENCE_IDS_PER_CONNECTION', DEFAULT_CONFIG.maxPresenceIdsPerConnection, 1, 64),
    // An honest Tandem state is a few hundred bytes: below 512, stock states would be refused.
    maxPresenceStateBytes: readInteger(env, 'MAX_PRESENCE_STATE_BYTES', DEFAULT_CONFIG.maxPresenceStateBytes, 512),
    maxPresenceBytesPerRoom: readInteger(env, 'MAX_PRESENCE_BYTES_PER_ROOM', DEFAULT_CONFIG.maxPresenceBytesPerRoom, 4096),
    syncStep1RatePerMinute: readInteger(env, 'SYNC_STEP1_RATE_PER_MINUTE', DEFAULT_CONFIG.syncStep1RatePerMinute, 0),
    syncStep1Burst: readInteger(env, 'SYNC_STEP1_BURST', DEFAULT_CONFIG.syncStep1Burst, 1),
    byteRatePerSecond: readInteger(env, 'BYTE_RATE_PER_SECOND', DEFAULT_CONFIG.byteRatePerSecond, 0),
    // A burst smaller than one frame would refuse every frame of the largest allowed size.
    byteBurst: readInteger(env, 'BYTE_BURST', Math.max(DEFAULT_CONFIG.byteBurst, maxMessageBytes), maxMessageBytes),
    // Below 64 KiB, ordinary bursts of typing to a reader on a slow link would trip it.
    maxSendBufferBytes: readInteger(env, 'MAX_SEND_BUFFER_BYTES', DEFAULT_CONFIG.maxSendBufferBytes, 64 * 1024),
    documentRootNames: readRootNames(env),
    maxNestingDepth: readInteger(env, 'MAX_NESTING_DEPTH', DEFAULT_CONFIG.maxNestingDepth, 4, 1_000),
    maxDocumentStructs: readInteger(env, 'MAX_DOCUMENT_STRUCTS', DEFAULT_CONFIG.maxDocumentStructs, 1_000),
    maxTitleLength: readInteger(env, 'MAX_TITLE_LENGTH', DEFAULT_CONFIG.maxTitleLength, 0),
    roomLoadHeapLimitPercent: readInteger(env, 'ROOM_LOAD_HEAP_LIMIT_PERCENT', DEFAULT_CONFIG.roomLoadHeapLimitPercent, 10, 100),
    frameAncestors: readFrameAncestors(env),
    publicSyncUrl: readPublicSyncUrl(env),
    metricsToken: readMetricsToken(env),
    redisUrl: readRedisUrl(env),
    instanceId: readInstanceId(env),
    scaleHealIntervalMs: readInteger(env, 'SCALE_HEAL_INTERVAL_MS', DEFAULT_CONFIG.scaleHealIntervalMs, 100),
    trustedProxies: readTrustedProxies(env),
    clientAddressHeader: readHeaderName(env),
    maxHttpConnections: readInteger(env, 'MAX_HTTP_CONNECTIONS', DEFAULT_CONFIG.maxHttpConnections, 0),
    maxConnectionsPerAddress: readInteger(env, 'MAX_CONNECTIONS_PER_ADDRESS', DEFAULT_CONFIG.maxConnectionsPerAddress, 0),
    maxRoomsPerAddress: readInteger(env, 'MAX_ROOMS_PER_ADDRESS', DEFAULT_CONFIG.maxRoomsPerAddress, 0),
    messageAssemblyTimeoutMs: readInteger(env, 'MESSAGE_ASSEMBLY_TIMEOUT_MS', DEFAULT_CONFIG.messageAssemblyTimeoutMs, 100),
    maxStorageBytes: readInteger(env, 'MAX_STORAGE_BYTES', DEFAULT_CONFIG.maxStorageBytes, 0),
    minFreeDiskBytes: readInteger(env, 'MIN_FREE_DISK_BYTES', DEFAULT_CONFIG.minFreeDiskBytes, 0),
    maxQueuedBytes: readInteger(env, 'MAX_QUEUED_BYTES', DEFAULT_CONFIG.maxQueuedBytes, 1024),
    storageFailureTimeoutMs: readInteger(env, 'STORAGE_FAILURE_TIMEOUT_MS', DEFAULT_CONFIG.storageFailureTimeoutMs, 100),
    storageTimeoutMs: readInteger(env, 'STORAGE_TIMEOUT_MS', DEFAULT_CONFIG.storageTimeoutMs, 100),
    redisTimeoutMs: readInteger(env, 'REDIS_TIMEOUT_MS', DEFAULT_CONFIG.redisTimeoutMs, 100),
  };
}

/** Minimum AUTH_SECRET length: HS256 keys shorter than the hash are brute-forceable. */
export const MIN_AUTH_SECRET_LENGTH = 32;

function readSecret(env: Env): string | null {
  const secret = env.AUTH_SECRET;
  if (!secret) return null;
  if (secret.length < MIN_AUTH_SECRET_LENGTH) {
    throw new Error(`AUTH_SECRET must be at least ${MIN_AUTH_SECRET_LENGTH} characters (e.g. \`openssl rand -hex 32\`)`);
  }
  return secret;
}

/** The web app's tokens must be ones the server itself accepts. */
function readTokenLifetimes(env: Env): Pick<ServerConfig, 'tokenTtlSeconds' | 'maxTokenTtlSeconds'> {
  const maxTokenTtlSeconds = readInteger(env, 'MAX_TOKEN_TTL_SECONDS', DEFAULT_CONFIG.maxTokenTtlSeconds, 10);
  const tokenTtlSeconds = readInteger(env, 'TOKEN_TTL_SECONDS', Math.min(DEFAULT_CONFIG.tokenTtlSeconds, maxTokenTtlSeconds), 10);
  if (tokenTtlSeconds > maxTokenTtlSeconds) {
    throw new Error(`TOKEN_TTL_SECONDS (${tokenTtlSeconds}) must not exceed MAX_TOKEN_TTL_SECONDS (${maxTokenTtlSeconds})`);
  }
  return { tokenTtlSeconds, maxTokenTtlSeconds };
}

/** CSP sources: an http(s) origin (a `*.` host wildcard allowed) or 'self'; nothing that could end the directive. */
const FRAME_ANCESTOR = /^(?:'self'|https?:\/\/(?:\*\.)?[A-Za-z0-9.-]+(?::\d{1,5})?)$/;

function readFrameAncestors(env: Env): string[] {
  const raw = env.FRAME_ANCESTORS ?? '';
  const sources = raw.split(/[\s,]+/).filter(Boolean);
  const bad = sources.find((source) => !FRAME_ANCESTOR.test(source));
  if (bad !== undefined) {
    throw new Error(`FRAME_ANCESTORS must list origins such as https://wiki.example.com (or 'self'); got "${bad}"`);
  }
  return sources;
}

function readPublicSyncUrl(env: Env): string | null {
  const raw = env.PUBLIC_SYNC_URL;
  if (!raw) return null;
  let url: URL | null = null;
  try {
    url = new URL(raw);
  } catch {
    // Reported below with the variable's name.
  }
  if (!url || !['ws:', 'wss:', 'http:', 'https:'].includes(url.protocol)) {
    throw new Error(`PUBLIC_SYNC_URL must be a ws:// or wss:// URL such as wss://sync.example.com/sync; got "${raw}"`);
  }
  return raw;
}

/** Minimum METRICS_TOKEN length: it is compared as a password. */
export const MIN_METRICS_TOKEN_LENGTH = 16;

function readMetricsToken(env: Env): string | null {
  const token = env.METRICS_TOKEN;
  if (!token) return null;
  if (token.length < MIN_METRICS_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(token)) {
    throw new Error(`METRICS_TOKEN must be at least ${MIN_METRICS_TOKEN_LENGTH} printable characters without spaces`);
  }
  return token;
}

function readRedisUrl(env: Env): string | null {
  const url = env.REDIS_URL;
  if (!url) return null;
  if (!/^rediss?:\/\//.test(url)) throw new Error(`REDIS_URL must start with redis:// or rediss://; got "${url}"`);
  return url;
}

/**
 * Root names are what Yjs scans per struct when it encodes (cost grows with their number), so
 * only the ones the app uses are allowed; a self-hoster serving another Yjs app lists its own.
 */
function readRootNames(env: Env): string[] {
  const raw = env.DOCUMENT_ROOT_NAMES;
  if (raw === undefined || raw === '') return DEFAULT_CONFIG.documentRootNames;
  const names = raw.split(',').map((name) => name.trim()).filter(Boolean);
  if (names.length === 0 || names.length > 64 || names.some((name) => name.length > 64)) {
    throw new Error(`DOCUMENT_ROOT_NAMES must list 1 to 64 comma-separated names of at most 64 characters; got "${raw}"`);
  }
  return names;
}

/** Instance ids travel in every fan-out message: short, printable, no separators. */
function readInstanceId(env: Env): string | null {
  const id = env.INSTANCE_ID;
  if (!id) return null;
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(id)) throw new Error(`INSTANCE_ID must match [A-Za-z0-9_.-]{1,64}; got "${id}"`);
  return id;
}

/** A forwarding header is only believed from these peers (see client-address.ts). */
function readTrustedProxies(env: Env): string[] {
  const entries = (env.TRUSTED_PROXIES ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  const bad = entries.find((entry) => !isValidProxyEntry(entry));
  if (bad !== undefined) {
    throw new Error(`TRUSTED_PROXIES must list IP addresses, CIDR blocks or "loopback", comma-separated; got "${bad}"`);
  }
  return entries;
}

function readHeaderName(env: Env): string {
  const name = env.CLIENT_ADDRESS_HEADER;
  if (!name) return DEFAULT_CONFIG.clientAddressHeader;
  if (!/^[A-Za-z0-9-]{1,64}$/.test(name)) throw new Error(`CLIENT_ADDRESS_HEADER must be a header name; got "${name}"`);
  return name.toLowerCase();
}

function readChoice<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(choices as readonly string[]).includes(raw)) throw new Error(`${name} must be one of ${choices.join(', ')}; got "${raw}"`);
  return raw as T;
}

function readInteger(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer between ${min} and ${max}; got "${raw}"`);
  }
  return value;
}

/**
 * Adds the variables of a `.env` file (if there is one) to `env`. Variables already set in the
 * real environment win, so a service manager can always override the file.
 */
export function loadDotEnv(env: NodeJS.ProcessEnv, file = '.env'): void {
  if (!fs.existsSync(file)) return;
  for (const [name, value] of Object.entries(parseEnv(fs.readFileSync(file, 'utf8')))) {
    if (env[name] === undefined) env[name] = value;
  }
}
