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
    });
  });

  it('reads the hostile-client limits', () => {
    const config = configFromEnv(
      {
        DOCUMENT_ROOT_NAMES: 'default, title,notes',
        MAX_NESTING_DEPTH: '32',
        MAX_DOCUMENT_STRUCTS: '50000',
        ROOM_LOAD_HEAP_LIMIT_PERCENT: '70',
        MAX_PRESENCE_IDS_PER_CONNECTION: '1',
      },
      SYNC_SERVER_DEFAULT_PORT,
    );
    expect(config).toMatchObject({
      documentRootNames: ['default', 'title', 'notes'],
      maxNestingDepth: 32,
      maxDocumentStructs: 50_000,
      roomLoadHeapLimitPercent: 70,
      maxPresenceIdsPerConnection: 1,
    });
    expect(configFromEnv({}, SYNC_SERVER_DEFAULT_PORT).documentRootNames).toEqual(['default', 'title']);
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
    [{ MAX_STORAGE_BYTES: '-1' }, /MAX_STORAGE_BYTES/],
    [{ MIN_FREE_DISK_BYTES: 'lots' }, /MIN_FREE_DISK_BYTES/],
    [{ MAX_QUEUED_BYTES: '10' }, /MAX_QUEUED_BYTES/],
    [{ STORAGE_FAILURE_TIMEOUT_MS: '0' }, /STORAGE_FAILURE_TIMEOUT_MS/],
    [{ STORAGE_TIMEOUT_MS: '1.5' }, /STORAGE_TIMEOUT_MS/],
    [{ REDIS_TIMEOUT_MS: '50' }, /REDIS_TIMEOUT_MS/],
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
  ])('refuses %o with a message naming the variable', (env, message) => {
    expect(() => configFromEnv(env, SYNC_SERVER_DEFAULT_PORT)).toThrow(message);
  });
});
