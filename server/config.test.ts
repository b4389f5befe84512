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
