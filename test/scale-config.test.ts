/** Scale-out configuration from the environment: REDIS_URL, INSTANCE_ID, SCALE_HEAL_INTERVAL_MS. */
import { describe, expect, it } from 'vitest';
import { configFromEnv, SYNC_SERVER_DEFAULT_PORT } from '../server/config';

describe('scale-out configuration', () => {
  it('runs one instance by default, healing every 5 s once Redis is set', () => {
    expect(configFromEnv({}, SYNC_SERVER_DEFAULT_PORT)).toMatchObject({ redisUrl: null, instanceId: null, scaleHealIntervalMs: 5_000 });
  });

  it('reads REDIS_URL, INSTANCE_ID and SCALE_HEAL_INTERVAL_MS', () => {
    const config = configFromEnv(
      {
        DATABASE_URL: 'postgres://tandem@db:5432/tandem',
        REDIS_URL: 'rediss://:secret@redis:6380/2',
        INSTANCE_ID: 'sync-1.eu',
        SCALE_HEAL_INTERVAL_MS: '750',
      },
      SYNC_SERVER_DEFAULT_PORT,
    );
    expect(config).toMatchObject({
      databaseUrl: 'postgres://tandem@db:5432/tandem',
      redisUrl: 'rediss://:secret@redis:6380/2',
      instanceId: 'sync-1.eu',
      scaleHealIntervalMs: 750,
    });
  });

  it.each([
    [{ REDIS_URL: 'http://redis:6379' }, /REDIS_URL/],
    [{ INSTANCE_ID: 'has space' }, /INSTANCE_ID/],
    [{ INSTANCE_ID: 'x'.repeat(65) }, /INSTANCE_ID/],
    [{ SCALE_HEAL_INTERVAL_MS: '10' }, /SCALE_HEAL_INTERVAL_MS/],
  ])('refuses %o with a message naming the variable', (env, message) => {
    expect(() => configFromEnv(env, SYNC_SERVER_DEFAULT_PORT)).toThrow(message);
  });
});
