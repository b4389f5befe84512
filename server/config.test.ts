/** Configuration from the environment: defaults, and a clear error for every bad value. */
import { describe, expect, it } from 'vitest';
import { APP_DEFAULT_PORT, configFromEnv, DEFAULT_CONFIG, SYNC_SERVER_DEFAULT_PORT } from './config';

describe('configFromEnv', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = configFromEnv({}, SYNC_SERVER_DEFAULT_PORT);
    expect(config).toMatchObject({ ...DEFAULT_CONFIG, port: 1234 });
    expect(config.sqliteSynchronous).toBe('full');
    expect(config.authSecret).toBeNull();
    expect(configFromEnv({}, APP_DEFAULT_PORT).port).toBe(3000);
  });

  it('reads every variable', () => {
    const config = configFromEnv(
      {
        PORT: '8080',
        HOST: '127.0.0.1',
        DATABASE_URL: 'sqlite:/var/lib/tandem/t.db',
        SQLITE_SYNCHRONOUS: 'normal',
        MAX_MESSAGE_BYTES: '2048',
        AUTH_SECRET: 'x'.repeat(32),
        ALLOWED_ORIGINS: 'https://a.example, https://b.example',
        UPDATE_RATE_PER_SECOND: '0',
        MAX_TOKEN_TTL_SECONDS: '3600',
        TOKEN_AUDIENCE: 'docs',
        MIN_NEW_ROOM_ID_LENGTH: '22',
        METRICS_TOKEN: 'm'.repeat(16),
        FRAME_ANCESTORS: 'https://wiki.example.com, https://*.intranet.example:8443',
        PUBLIC_SYNC_URL: 'wss://sync.example.com/sync',
      },
      SYNC_SERVER_DEFAULT_PORT,
    );
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      databaseUrl: 'sqlite:/var/lib/tandem/t.db',
      sqliteSynchronous: 'normal',
      maxMessageBytes: 2048,
      authSecret: 'x'.repeat(32),
      allowedOrigins: ['https://a.example', 'https://b.example'],
      updateRatePerSecond: 0,
      maxTokenTtlSeconds: 3600,
      tokenAudience: 'docs',
      minNewRoomIdLength: 22,
      metricsToken: 'm'.repeat(16),
      frameAncestors: ['https://wiki.example.com', 'https://*.intranet.example:8443'],
      publicSyncUrl: 'wss://sync.example.com/sync',
    });
  });

  it('reads the hostile-client limits', () => {
    const config = configFromEnv(
      {
        DOCUMENT_ROOT_NAMES: 'default, title,notes',
        MAX_NESTING_DEPTH: '32',
        MAX_DOCUMENT_STRUCTS: '50000',
        ROOM_LOAD_HEAP_LIMIT_PERCENT: '70',
        MAX_TITLE_LENGTH: '300',
        MAX_PRESENCE_IDS_PER_CONNECTION: '1',
      },
      SYNC_SERVER_DEFAULT_PORT,
    );
    expect(config).toMatchObject({
      documentRootNames: ['default', 'title', 'notes'],
      maxNestingDepth: 32,
      maxDocumentStructs: 50_000,
      roomLoadHeapLimitPercent: 70,
      maxTitleLength: 300,
      maxPresenceIdsPerConnection: 1,
    });
    expect(configFromEnv({}, SYNC_SERVER_DEFAULT_PORT).documentRootNames).toEqual(['default', 'title']);
  });

  it('reads the transport limits and who may name the client address', () => {
    const config = configFromEnv(
      {
        TRUSTED_PROXIES: '10.0.0.0/8, ::1,loopback',
        CLIENT_ADDRESS_HEADER: 'X-Real-IP',
        MAX_HTTP_CONNECTIONS: '0',
        MAX_CONNECTIONS_PER_ADDRESS: '50',
        MAX_ROOMS_PER_ADDRESS: '20',
        MESSAGE_ASSEMBLY_TIMEOUT_MS: '5000',
      },
      SYNC_SERVER_DEFAULT_PORT,
    );
    expect(config).toMatchObject({
      trustedProxies: ['10.0.0.0/8', '::1', 'loopback'],
      clientAddressHeader: 'x-real-ip',
      maxHttpConnections: 0,
      maxConnectionsPerAddress: 50,
      maxRoomsPerAddress: 20,
      messageAssemblyTimeoutMs: 5_000,
    });
    expect(configFromEnv({}, SYNC_SERVER_DEFAULT_PORT)).toMatchObject({ trustedProxies: [], clientAddressHeader: 'x-forwarded-for' });
  });

  it('reads the storage limits and timeouts', () => {
    const config = configFromEnv(
      {
        MAX_STORAGE_BYTES: '1073741824',
        MIN_FREE_DISK_BYTES: '0',
        MAX_QUEUED_BYTES: '8388608',
        STORAGE_FAILURE_TIMEOUT_MS: '3000',
        STORAGE_TIMEOUT_MS: '1500',
        REDIS_TIMEOUT_MS: '500',
      },
      SYNC_SERVER_DEFAULT_PORT,
    );
    expect(config).toMatchObject({
      maxStorageBytes: 1024 ** 3,
      minFreeDiskBytes: 0,
      maxQueuedBytes: 8 * 1024 ** 2,
      storageFailureTimeoutMs: 3_000,
      storageTimeoutMs: 1_500,
      redisTimeoutMs: 500,
    });
    expect(DEFAULT_CONFIG).toMatchObject({ maxStorageBytes: 0, minFreeDiskBytes: 256 * 1024 ** 2, maxQueuedBytes: 64 * 1024 ** 2 });
  });

  it.each([
    [{ PORT: '70000' }, /PORT/],
    [{ PORT: 'abc' }, /PORT/],
    [{ MAX_MESSAGE_BYTES: '10' }, /MAX_MESSAGE_BYTES/],
    [{ SQLITE_SYNCHRONOUS: 'off' }, /SQLITE_SYNCHRONOUS/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ AUTH_SECRET: 'short' }, /AUTH_SECRET/],
    [{ UPDATE_BURST: '0' }, /UPDATE_BURST/],
    [{ DOCUMENT_ROOT_NAMES: ' , ' }, /DOCUMENT_ROOT_NAMES/],
    [{ DOCUMENT_ROOT_NAMES: 'x'.repeat(65) }, /DOCUMENT_ROOT_NAMES/],
    [{ MAX_NESTING_DEPTH: '2' }, /MAX_NESTING_DEPTH/],
    [{ MAX_DOCUMENT_STRUCTS: '10' }, /MAX_DOCUMENT_STRUCTS/],
    [{ ROOM_LOAD_HEAP_LIMIT_PERCENT: '101' }, /ROOM_LOAD_HEAP_LIMIT_PERCENT/],
    [{ MAX_PRESENCE_IDS_PER_CONNECTION: '0' }, /MAX_PRESENCE_IDS_PER_CONNECTION/],
    [{ TRUSTED_PROXIES: '10.0.0.1, nginx' }, /TRUSTED_PROXIES/],
    [{ TRUSTED_PROXIES: '10.0.0.0/40' }, /TRUSTED_PROXIES/],
    [{ CLIENT_ADDRESS_HEADER: 'x forwarded' }, /CLIENT_ADDRESS_HEADER/],
    [{ MAX_CONNECTIONS_PER_ADDRESS: '-1' }, /MAX_CONNECTIONS_PER_ADDRESS/],
    [{ MESSAGE_ASSEMBLY_TIMEOUT_MS: '10' }, /MESSAGE_ASSEMBLY_TIMEOUT_MS/],
    [{ MAX_TOKEN_TTL_SECONDS: '0' }, /MAX_TOKEN_TTL_SECONDS/],
    [{ MIN_NEW_ROOM_ID_LENGTH: '0' }, /MIN_NEW_ROOM_ID_LENGTH/],
    [{ METRICS_TOKEN: 'short' }, /METRICS_TOKEN/],
    [{ MAX_TITLE_LENGTH: '-1' }, /MAX_TITLE_LENGTH/],
    [{ FRAME_ANCESTORS: "https://a.example; script-src 'unsafe-inline'" }, /FRAME_ANCESTORS/],
    [{ PUBLIC_SYNC_URL: 'sync.example.com' }, /PUBLIC_SYNC_URL/],
    [{ TOKEN_TTL_SECONDS: '7200', MAX_TOKEN_TTL_SECONDS: '3600' }, /TOKEN_TTL_SECONDS/],
  ])('refuses %o with a message naming the variable', (env, message) => {
    expect(() => configFromEnv(env, SYNC_SERVER_DEFAULT_PORT)).toThrow(message);
  });
});

describe('configFromEnv: flow-control limits', () => {
  it('reads the byte, sync step 1, send buffer and presence size limits', () => {
    const config = configFromEnv(
      {
        MAX_PRESENCE_STATE_BYTES: '2048',
        MAX_PRESENCE_BYTES_PER_ROOM: '65536',
        SYNC_STEP1_RATE_PER_MINUTE: '4',
        SYNC_STEP1_BURST: '2',
        BYTE_RATE_PER_SECOND: '100000',
        BYTE_BURST: '2097152',
        MAX_SEND_BUFFER_BYTES: '1048576',
      },
      SYNC_SERVER_DEFAULT_PORT,
    );
    expect(config).toMatchObject({
      maxPresenceStateBytes: 2048,
      maxPresenceBytesPerRoom: 65_536,
      syncStep1RatePerMinute: 4,
      syncStep1Burst: 2,
      byteRatePerSecond: 100_000,
      byteBurst: 2 * 1024 * 1024,
      maxSendBufferBytes: 1024 * 1024,
    });
  });

  it('raises the default byte burst to MAX_MESSAGE_BYTES, so the largest frame always fits', () => {
    expect(configFromEnv({ MAX_MESSAGE_BYTES: String(16 * 1024 * 1024) }, SYNC_SERVER_DEFAULT_PORT).byteBurst).toBe(16 * 1024 * 1024);
  });

  it.each([
    [{ MAX_PRESENCE_STATE_BYTES: '100' }, /MAX_PRESENCE_STATE_BYTES/],
    [{ MAX_PRESENCE_BYTES_PER_ROOM: '10' }, /MAX_PRESENCE_BYTES_PER_ROOM/],
    [{ SYNC_STEP1_BURST: '0' }, /SYNC_STEP1_BURST/],
    [{ SYNC_STEP1_RATE_PER_MINUTE: '-1' }, /SYNC_STEP1_RATE_PER_MINUTE/],
    [{ BYTE_BURST: '1000' }, /BYTE_BURST/],
    [{ MAX_MESSAGE_BYTES: '2097152', BYTE_BURST: '1048576' }, /BYTE_BURST/],
    [{ MAX_SEND_BUFFER_BYTES: '1024' }, /MAX_SEND_BUFFER_BYTES/],
  ])('refuses %o with a message naming the variable', (env, message) => {
    expect(() => configFromEnv(env, SYNC_SERVER_DEFAULT_PORT)).toThrow(message);
  });
});
