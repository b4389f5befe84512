/**
 * The one place that reads settings from the environment. Every setting is declared once in
 * SETTINGS (its variable, parser, default and meaning); `ServerConfig`, `DEFAULT_CONFIG`,
 * `configFromEnv` and the app pages' `readAppConfig` are derived from that table, and a test
 * holds the README's table and `.env.example` to it. Everything else takes a plain
 * ServerConfig, so tests build servers from objects.
 *
 * Longer than 300 lines for a reason: it is one table of ~55 declarations, which reads best in
 * one place; the parsers live in config-values.ts, `.env` loading in dot-env.ts.
 */
import { CONTENT_FRAGMENT_NAME, TITLE_TEXT_NAME } from '../lib/protocol/document-schema';
import {
  authSecret,
  commaList,
  frameAncestors,
  headerName,
  instanceId,
  integer,
  metricsToken,
  oneOf,
  redisUrl,
  rootNames,
  syncUrl,
  text,
  trustedProxies,
  type Env,
} from './config-values';

export type { Env } from './config-values';

/** A setting an environment variable sets. */
export interface Setting<T> {
  /** The variable's name. */
  env: string;
  /** The value when the variable is unset or empty (what the README and `.env.example` state). */
  default: NoInfer<T>;
  /** Reads the variable's text; throws naming the variable. `env` serves bounds set by another setting. */
  parse: (raw: string, name: string, env: Env) => T;
  /** The value when unset, where it depends on another setting (else `default`). */
  fallback?: (env: Env) => T;
  /** Hands an empty variable to `parse` (which refuses it) instead of reading it as unset. */
  emptyIsSet?: boolean;
  /** What it means, in one line. */
  doc: string;
}

/** A setting no environment variable sets. */
export interface Constant<T> {
  env: null;
  default: T;
  doc: string;
}

/** Takes the type from the parser; a setting that may be unset names it (`setting<string | null>`). */
function setting<T>(declaration: Setting<T>): Setting<T> {
  return declaration;
}

function constant<T>(value: T, doc: string): Constant<T> {
  return { env: null, default: value, doc };
}

/** The port `npm run server` listens on when PORT is unset. */
export const SYNC_SERVER_DEFAULT_PORT = 1234;
/** The port `npm start` (app + sync on one port) listens on when PORT is unset. */
export const APP_DEFAULT_PORT = 3000;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

// Declared ahead of the table because other settings are bounded by them.
const maxMessageBytes = setting({
  env: 'MAX_MESSAGE_BYTES',
  default: 1024 * 1024,
  parse: integer(1024),
  doc: 'Largest accepted WebSocket frame; larger frames close the connection with 1009.',
});
const maxTokenTtlSeconds = setting({
  env: 'MAX_TOKEN_TTL_SECONDS',
  default: 24 * 60 * 60,
  parse: integer(10),
  doc: 'Longest remaining lifetime (`exp` − now) a token may have; longer ones are refused (401).',
});

const DEFAULT_BYTE_BURST = 8 * 1024 * 1024;
const DEFAULT_TOKEN_TTL_SECONDS = 600;

/** Every setting, in the order of the README's table. */
const SETTINGS = {
  port: setting({
    env: 'PORT',
    // configFromEnv's caller names the default: 3000 for `npm start`, 1234 for `npm run server`.
    default: APP_DEFAULT_PORT,
    parse: integer(0, 65_535),
    doc: 'TCP port to listen on; 0 picks a free one.',
  }),
  host: setting({ env: 'HOST', default: '0.0.0.0', parse: text, doc: 'Interface to bind.' }),
  databaseUrl: setting({
    env: 'DATABASE_URL',
    default: 'sqlite:./data/tandem.db',
    parse: text,
    doc: '`sqlite:<path>`, `postgres://…` or `memory:`.',
  }),
  sqliteSynchronous: setting({
    env: 'SQLITE_SYNCHRONOUS',
    default: 'full',
    parse: oneOf(['full', 'normal'] as const),
    doc: 'What "Saved" promises with SQLite: `full`, on disk (the WAL fdatasynced behind each append, off the event loop; survives power loss); `normal`, written to the WAL (survives any process crash, may lose the last moments on power loss).',
  }),
  maxMessageBytes,
  logLevel: setting({
    env: 'LOG_LEVEL',
    default: 'info',
    parse: oneOf(LOG_LEVELS),
    // LOG_LEVEL= (empty) is refused, as it always was, rather than read as `info`.
    emptyIsSet: true,
    doc: 'pino level: fatal, error, warn, info, debug, trace, silent.',
  }),
  roomUnloadDelayMs: setting({
    env: 'ROOM_UNLOAD_DELAY_MS',
    default: 5_000,
    parse: integer(0),
    doc: 'How long a room with no connections stays in memory before it is stored and unloaded.',
  }),
  compactAfterUpdates: setting({
    env: 'COMPACT_AFTER_UPDATES',
    default: 500,
    parse: integer(1),
    doc: 'Log entries a room accumulates before it is compacted into one snapshot in the background.',
  }),
  versionPauseMs: setting({
    env: 'VERSION_PAUSE_MS',
    default: 5 * 60_000,
    parse: integer(1_000),
    doc: 'A pause in editing this long (ms) ends an automatic version in the history.',
  }),
  versionMaxSpanMs: setting({
    env: 'VERSION_MAX_SPAN_MS',
    default: 30 * 60_000,
    parse: integer(1_000),
    doc: 'Continuous editing makes an automatic version at least this often (ms).',
  }),
  restoreBudgetMs: setting({
    env: 'RESTORE_BUDGET_MS',
    default: 5_000,
    parse: integer(100),
    doc: "Longest a restore's exact revert may take (ms) before it falls back to replacing the content (the restored text is then attributed to whoever restored it).",
  }),
  publicSyncUrl: setting<string | null>({
    env: 'PUBLIC_SYNC_URL',
    default: null,
    parse: syncUrl,
    doc: "The sync server's URL when it runs apart (the pages' CSP allows connecting to it).",
  }),
  frameAncestors: setting({
    env: 'FRAME_ANCESTORS',
    default: [],
    parse: frameAncestors,
    doc: "Origins allowed to frame the app's pages (CSP frame-ancestors); empty: none may.",
  }),
  authSecret: setting<string | null>({
    env: 'AUTH_SECRET',
    default: null,
    parse: authSecret,
    doc: 'HS256 secret; when set, every connection needs a signed token (token mode).',
  }),
  tokenTtlSeconds: setting({
    env: 'TOKEN_TTL_SECONDS',
    default: DEFAULT_TOKEN_TTL_SECONDS,
    // The web app's tokens must be ones the server itself accepts.
    parse: (raw, name, env): number => {
      const longest = valueOf(maxTokenTtlSeconds, env);
      const ttl = integer(10)(raw, name);
      if (ttl > longest) throw new Error(`${name} (${ttl}) must not exceed MAX_TOKEN_TTL_SECONDS (${longest})`);
      return ttl;
    },
    fallback: (env) => Math.min(DEFAULT_TOKEN_TTL_SECONDS, valueOf(maxTokenTtlSeconds, env)),
    doc: 'Lifetime of tokens the web app mints for link holders.',
  }),
  maxTokenTtlSeconds,
  tokenAudience: setting({
    env: 'TOKEN_AUDIENCE',
    default: 'tandem',
    parse: text,
    doc: "The `aud` claim every token must carry (and the web app's tokens do).",
  }),
  allowedOrigins: setting({
    env: 'ALLOWED_ORIGINS',
    default: [],
    parse: commaList,
    doc: 'Browser origins allowed to open sockets and call the API; empty: `npm start` its own, `npm run server` any.',
  }),
  minNewRoomIdLength: setting({
    env: 'MIN_NEW_ROOM_ID_LENGTH',
    default: 16,
    parse: integer(1, 128),
    doc: 'Shortest id of a room not stored yet, in open mode (where the id is the edit capability); stored rooms open whatever their id.',
  }),
  metricsToken: setting<string | null>({
    env: 'METRICS_TOKEN',
    default: null,
    parse: metricsToken,
    doc: 'When set, `GET /metrics` needs `Authorization: Bearer <metricsToken>` (else 401).',
  }),
  maxDocumentBytes: setting({
    env: 'MAX_DOCUMENT_BYTES',
    default: 32 * 1024 * 1024,
    parse: integer(1024),
    doc: 'Largest stored size of one document (snapshot + log); larger updates close with 4413.',
  }),
  maxUploadBytes: setting({
    env: 'MAX_UPLOAD_BYTES',
    default: 10 * 1024 * 1024,
    parse: integer(1024, 1024 * 1024 * 1024),
    doc: 'Largest image one upload may be; a larger body is refused with 413 (`image_too_large`).',
  }),
  maxRoomUploadBytes: setting({
    env: 'MAX_ROOM_UPLOAD_BYTES',
    default: 100 * 1024 * 1024,
    parse: integer(0),
    doc: 'Bytes of images one room may hold (0: no quota); an upload past it is refused with 507 (`room_quota_exceeded`).',
  }),
  updateRatePerSecond: setting({
    env: 'UPDATE_RATE_PER_SECOND',
    default: 200,
    parse: integer(0),
    doc: 'Document messages one connection may send per second on average (0: unlimited).',
  }),
  updateBurst: setting({
    env: 'UPDATE_BURST',
    default: 2_000,
    parse: integer(1),
    doc: 'Document messages one connection may send in one burst.',
  }),
  awarenessRatePerSecond: setting({
    env: 'AWARENESS_RATE_PER_SECOND',
    default: 30,
    parse: integer(0),
    doc: 'Awareness messages one connection may send per second on average (0: unlimited).',
  }),
  awarenessBurst: setting({
    env: 'AWARENESS_BURST',
    default: 300,
    parse: integer(1),
    doc: 'Awareness messages one connection may send in one burst.',
  }),
  commentOpRatePerSecond: setting({
    env: 'COMMENT_OP_RATE_PER_SECOND',
    default: 5,
    parse: integer(0),
    doc: 'Comment operations one connection may send per second on average (0: unlimited); more are answered rate_limited.',
  }),
  commentOpBurst: setting({
    env: 'COMMENT_OP_BURST',
    default: 20,
    parse: integer(1),
    doc: 'Comment operations one connection may send in one burst.',
  }),
  maxThreadsPerRoom: setting({
    env: 'MAX_THREADS_PER_ROOM',
    default: 2_000,
    parse: integer(1),
    doc: 'Comment threads one room may hold; creating more is answered thread_limit.',
  }),
  maxConnectionsPerRoom: setting({
    env: 'MAX_CONNECTIONS_PER_ROOM',
    default: 250,
    parse: integer(1),
    doc: 'Connections one room may hold; more are closed with 4509.',
  }),
  maxLoadedRooms: setting({
    env: 'MAX_LOADED_ROOMS',
    default: 10_000,
    parse: integer(1),
    doc: 'Rooms one process may hold in memory; joining another is closed with 4508.',
  }),
  maxPresenceIdsPerConnection: setting({
    env: 'MAX_PRESENCE_IDS_PER_CONNECTION',
    default: 2,
    parse: integer(1, 64),
    doc: 'Presence (awareness) client ids one connection may introduce; entries for more are dropped.',
  }),
  maxPresenceStateBytes: setting({
    env: 'MAX_PRESENCE_STATE_BYTES',
    default: 4 * 1024,
    // An honest Tandem state is a few hundred bytes: below 512, stock states would be refused.
    parse: integer(512),
    doc: 'Largest serialized presence state; a larger one closes its sender with 4400.',
  }),
  maxPresenceBytesPerRoom: setting({
    env: 'MAX_PRESENCE_BYTES_PER_ROOM',
    default: 1024 * 1024,
    parse: integer(4096),
    doc: 'Presence bytes one room holds at most; new entries past it are dropped.',
  }),
  byteRatePerSecond: setting({
    env: 'BYTE_RATE_PER_SECOND',
    default: 1024 * 1024,
    parse: integer(0),
    doc: 'Frame bytes one connection may send per second on average (0: unlimited).',
  }),
  byteBurst: setting({
    env: 'BYTE_BURST',
    default: DEFAULT_BYTE_BURST,
    // A burst smaller than one frame would refuse every frame of the largest allowed size.
    parse: (raw, name, env): number => integer(valueOf(maxMessageBytes, env))(raw, name),
    fallback: (env) => Math.max(DEFAULT_BYTE_BURST, valueOf(maxMessageBytes, env)),
    doc: 'Frame bytes one connection may send in one burst (at least MAX_MESSAGE_BYTES); over it closes with 4429.',
  }),
  syncStep1RatePerMinute: setting({
    env: 'SYNC_STEP1_RATE_PER_MINUTE',
    default: 10,
    parse: integer(0),
    doc: 'Sync step 1 requests one connection may send per minute on average (0: unlimited).',
  }),
  syncStep1Burst: setting({
    env: 'SYNC_STEP1_BURST',
    default: 5,
    parse: integer(1),
    doc: 'Sync step 1 requests one connection may send in one burst; over it closes with 4429.',
  }),
  maxSendBufferBytes: setting({
    env: 'MAX_SEND_BUFFER_BYTES',
    default: 16 * 1024 * 1024,
    // Below 64 KiB, ordinary bursts of typing to a reader on a slow link would trip it.
    parse: integer(64 * 1024),
    doc: 'Unsent bytes the server holds for one connection beyond its sync answer; past it, 4513.',
  }),
  handshakeTimeoutMs: setting({
    env: 'HANDSHAKE_TIMEOUT_MS',
    default: 10_000,
    parse: integer(100),
    doc: 'Time a client has to complete the HTTP upgrade and then to send its first message.',
  }),
  messageAssemblyTimeoutMs: setting({
    env: 'MESSAGE_ASSEMBLY_TIMEOUT_MS',
    default: 30_000,
    parse: integer(100),
    doc: 'Longest a started WebSocket message may take to arrive in full; else 4524.',
  }),
  maxHttpConnections: setting({
    env: 'MAX_HTTP_CONNECTIONS',
    default: 10_000,
    parse: integer(0),
    doc: 'Open TCP connections the process accepts (HTTP and WebSocket); 0: no cap.',
  }),
  maxConnectionsPerAddress: setting({
    env: 'MAX_CONNECTIONS_PER_ADDRESS',
    default: 500,
    parse: integer(0),
    doc: 'Open connections one client address may hold (TCP sockets, and WebSockets); 0: no cap.',
  }),
  maxRoomsPerAddress: setting({
    env: 'MAX_ROOMS_PER_ADDRESS',
    default: 100,
    parse: integer(0),
    doc: 'Distinct rooms one client address may hold connections in; 0: no cap.',
  }),
  trustedProxies: setting({
    env: 'TRUSTED_PROXIES',
    default: [],
    parse: trustedProxies,
    doc: 'Peers (IPs, CIDR blocks, `loopback`) whose CLIENT_ADDRESS_HEADER names the client.',
  }),
  clientAddressHeader: setting({
    env: 'CLIENT_ADDRESS_HEADER',
    default: 'x-forwarded-for',
    parse: headerName,
    doc: 'The header a trusted proxy names the client in (lower case), e.g. `x-forwarded-for`.',
  }),
  documentRootNames: setting({
    env: 'DOCUMENT_ROOT_NAMES',
    default: [CONTENT_FRAGMENT_NAME, TITLE_TEXT_NAME],
    parse: rootNames,
    doc: "Top-level names a document's content may live under; structs under any other are refused.",
  }),
  maxNestingDepth: setting({
    env: 'MAX_NESTING_DEPTH',
    default: 64,
    parse: integer(4, 1_000),
    doc: 'Deepest nesting of types (blockquote in blockquote …) an update may create.',
  }),
  maxDocumentStructs: setting({
    env: 'MAX_DOCUMENT_STRUCTS',
    default: 200_000,
    parse: integer(1_000),
    doc: 'Most structs (Yjs items) one document may hold; an update past it closes with 4413.',
  }),
  maxTitleLength: setting({
    env: 'MAX_TITLE_LENGTH',
    default: 1_000,
    parse: integer(0),
    doc: 'Longest the document title may grow (UTF-16 code units; past it 4400); 0: no cap, for a Yjs app whose `title` root is not a short title.',
  }),
  roomLoadHeapLimitPercent: setting({
    env: 'ROOM_LOAD_HEAP_LIMIT_PERCENT',
    default: 80,
    parse: integer(10, 100),
    doc: 'Share of the V8 heap limit above which no further room is loaded (4508), in percent.',
  }),
  redisUrl: setting<string | null>({
    env: 'REDIS_URL',
    default: null,
    parse: redisUrl,
    doc: 'Redis for fan-out between server instances (`redis://…`); null runs a single instance.',
  }),
  instanceId: setting<string | null>({
    env: 'INSTANCE_ID',
    default: null,
    parse: instanceId,
    doc: "This instance's id in fan-out messages; null picks a random one per process.",
  }),
  scaleHealIntervalMs: setting({
    env: 'SCALE_HEAL_INTERVAL_MS',
    default: 5_000,
    parse: integer(100),
    doc: 'How often each instance offers its state vector per loaded room so peers can heal.',
  }),
  maxStorageBytes: setting({
    env: 'MAX_STORAGE_BYTES',
    default: 0,
    parse: integer(0),
    doc: 'Most bytes the live documents may take in storage, history not counted (0: no limit); content past it is refused with 4507.',
  }),
  minFreeDiskBytes: setting({
    env: 'MIN_FREE_DISK_BYTES',
    // Room for what a full disk still needs: WAL growth until a checkpoint, and compactions,
    // each writing a snapshot of up to MAX_DOCUMENT_BYTES (32 MiB) before freeing the log, so
    // several can run; and it stops Tandem well before the disk is full for everything else.
    default: 256 * 1024 * 1024,
    parse: integer(0),
    doc: "Free bytes the SQLite database's filesystem must keep (0: no floor); below it 4507.",
  }),
  maxQueuedBytes: setting({
    env: 'MAX_QUEUED_BYTES',
    default: 64 * 1024 * 1024,
    parse: integer(1024),
    doc: 'Most bytes all rooms together may hold received but unstored; past it 4504.',
  }),
  storageFailureTimeoutMs: setting({
    env: 'STORAGE_FAILURE_TIMEOUT_MS',
    default: 10_000,
    parse: integer(100),
    doc: "How long a room's appends may keep failing before its members are closed with 4504.",
  }),
  storageTimeoutMs: setting({
    env: 'STORAGE_TIMEOUT_MS',
    default: 5_000,
    parse: integer(100),
    doc: 'Longest a PostgreSQL connection attempt or statement may take before it fails.',
  }),
  redisTimeoutMs: setting({
    env: 'REDIS_TIMEOUT_MS',
    default: 2_000,
    parse: integer(100),
    doc: 'Longest a Redis command may take; PINGs past it twice in a row recycle the connection.',
  }),

  // Fixed: no variable sets these.
  heartbeatIntervalMs: constant(30_000, 'Interval between WebSocket pings; a peer that misses one is dropped.'),
  shutdownTimeoutMs: constant(10_000, 'Longest a graceful shutdown may take before the process exits anyway.'),
};

type Settings = typeof SETTINGS;

/** The server's settings, one field per SETTINGS entry. */
export type ServerConfig = { [Key in keyof Settings]: Settings[Key]['default'] };

/** Every declared setting, for checks that the docs list them all. */
export const SETTING_DECLARATIONS: Readonly<Record<keyof ServerConfig, Setting<unknown> | Constant<unknown>>> = SETTINGS;

/** Defaults for everything but the port, which depends on how the server is run. */
export const DEFAULT_CONFIG: Omit<ServerConfig, 'port'> = defaultsOf(SETTINGS);

function defaultsOf({ port: _port, ...rest }: Settings): Omit<ServerConfig, 'port'> {
  return Object.fromEntries(Object.entries(rest).map(([key, declared]) => [key, declared.default])) as Omit<ServerConfig, 'port'>;
}

function valueOf<T>(declared: Setting<T> | Constant<T>, env: Env): T {
  if (declared.env === null) return declared.default;
  const raw = env[declared.env];
  if (raw === undefined || (raw === '' && !declared.emptyIsSet)) {
    return declared.fallback ? declared.fallback(env) : declared.default;
  }
  return declared.parse(raw, declared.env, env);
}

/** Reads the server configuration from environment variables, failing loudly on bad values. */
export function configFromEnv(env: Env, defaultPort: number): ServerConfig {
  const settings: Settings = { ...SETTINGS, port: { ...SETTINGS.port, default: defaultPort } };
  return Object.fromEntries(
    Object.entries(settings).map(([key, declared]: [string, Setting<unknown> | Constant<unknown>]) => [key, valueOf(declared, env)]),
  ) as ServerConfig;
}

/** What the app's pages need from the settings. */
export interface AppConfig {
  /** Where browsers open their sockets; null: this origin's `/sync`. */
  syncUrl: string | null;
  /** Whether connections need a token (AUTH_SECRET is set); the secret itself stays here. */
  tokenMode: boolean;
}

/**
 * The pages' settings, read through the same declarations as the server's. Called per
 * request, so one build serves any deployment; the app server checked these values at start.
 */
export function readAppConfig(env: Env): AppConfig {
  return { syncUrl: valueOf(SETTINGS.publicSyncUrl, env), tokenMode: valueOf(SETTINGS.authSecret, env) !== null };
}

/** What the admin command (`npm run admin`) needs from the settings. */
export interface AdminConfig {
  /** DATABASE_URL as set: null when unset, since the command must not guess which database to change. */
  databaseUrl: string | null;
  /** With REDIS_URL, a deletion is announced to the running instances at once. */
  redisUrl: string | null;
  storageTimeoutMs: number;
  redisTimeoutMs: number;
}

/** The admin command's settings, read through the same declarations as the server's. */
export function readAdminConfig(env: Env): AdminConfig {
  const databaseUrl = env[SETTINGS.databaseUrl.env];
  return {
    databaseUrl: databaseUrl ? valueOf(SETTINGS.databaseUrl, env) : null,
    redisUrl: valueOf(SETTINGS.redisUrl, env),
    storageTimeoutMs: valueOf(SETTINGS.storageTimeoutMs, env),
    redisTimeoutMs: valueOf(SETTINGS.redisTimeoutMs, env),
  };
}
