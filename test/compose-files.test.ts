/**
 * The compose files, read as compose reads them (YAML with merge keys, `${VAR}` interpolation):
 * they start what the README says, with settings the server accepts, on the volume the image
 * declares, and the scale-out file wires its instances exactly where deploy/nginx.conf looks for
 * them. Compose itself does not run on this machine (no compose engine); the container test
 * (test/container.test.ts) runs the image for real.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configFromEnv } from '../server/config';
import { ROOT } from './support/spawn';

interface Service {
  build?: string;
  image?: string;
  environment?: Record<string, string>;
  env_file?: { path: string; required: boolean }[];
  ports?: string[];
  volumes?: string[];
  network_mode?: string;
  depends_on?: Record<string, { condition: string }>;
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/** `${NAME:-default}` and `${NAME:?message}` as compose expands them, with `variables` set. */
function interpolate(text: string, variables: Record<string, string>): string {
  return text.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_match, name: string, kind?: string, rest?: string) => {
    if (variables[name] !== undefined) return variables[name];
    if (kind === '-') return rest ?? '';
    throw new Error(`\${${name}} is required: ${rest}`);
  });
}

function readCompose(file: string, variables: Record<string, string> = {}): ComposeFile {
  return parse(interpolate(fs.readFileSync(path.join(ROOT, file), 'utf8'), variables), { merge: true }) as ComposeFile;
}

const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');

describe('compose.yaml (one instance, SQLite)', () => {
  const compose = readCompose('compose.yaml');
  const tandem = compose.services.tandem;

  it('builds this image and keeps the SQLite file in a named volume at the image’s /data', () => {
    expect(Object.keys(compose.services)).toEqual(['tandem']);
    expect(tandem.build).toBe('.');
    expect(dockerfile).toMatch(/^VOLUME \/data$/m);
    expect(tandem.volumes).toEqual(['tandem-data:/data']);
    expect(Object.keys(compose.volumes ?? {})).toEqual(['tandem-data']);
    expect(tandem.environment?.DATABASE_URL).toBe('sqlite:/data/tandem.db');
  });

  it('publishes the port the server listens on, reads an optional .env, and its settings are valid', () => {
    expect(dockerfile).toMatch(/^EXPOSE 3000$/m);
    expect(tandem.ports).toEqual(['3000:3000']);
    expect(readCompose('compose.yaml', { TANDEM_PORT: '8080' }).services.tandem.ports).toEqual(['8080:3000']);
    expect(tandem.env_file).toEqual([{ path: '.env', required: false }]);
    const config = configFromEnv(tandem.environment ?? {}, 3000);
    expect(config.port).toBe(3000);
  });
});

describe('compose.scale.yaml (PostgreSQL, Redis, two instances, nginx)', () => {
  const password = 'test-password';
  const compose = readCompose('compose.scale.yaml', { POSTGRES_PASSWORD: password });
  const instances = ['tandem-1', 'tandem-2'].map((name) => ({ name, service: compose.services[name] }));
  const nginxConf = fs.readFileSync(path.join(ROOT, 'deploy', 'nginx.conf'), 'utf8');
  const upstreamPorts = Array.from(nginxConf.matchAll(/^\s+server 127\.0\.0\.1:(\d+) /gm), (match) => match[1]);

  it('refuses to start without a database password', () => {
    expect(() => readCompose('compose.scale.yaml')).toThrow(/POSTGRES_PASSWORD/);
  });

  it('runs two instances of this image on the shared PostgreSQL and Redis, each with its own name and port', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['nginx', 'postgres', 'redis', 'tandem-1', 'tandem-2']);
    const postgres = compose.services.postgres.environment!;
    for (const { name, service } of instances) {
      expect(service.build).toBe('.');
      const config = configFromEnv(service.environment ?? {}, 3000);
      expect(config.databaseUrl).toBe(`postgres://${postgres.POSTGRES_USER}:${password}@postgres:5432/${postgres.POSTGRES_DB}`);
      expect(config.redisUrl).toBe('redis://redis:6379');
      expect(config.instanceId).toBe(name);
      expect(service.depends_on?.postgres.condition).toBe('service_healthy');
      expect(service.depends_on?.redis.condition).toBe('service_healthy');
    }
    const ports = instances.map(({ service }) => service.environment?.PORT);
    expect(new Set(ports).size).toBe(2);
  });

  it('puts the instances where deploy/nginx.conf sends traffic: loopback of nginx’s namespace, trusting it as the proxy', () => {
    const nginx = compose.services.nginx;
    expect(nginx.volumes).toContain('./deploy/nginx.conf:/etc/nginx/conf.d/tandem.conf:ro');
    const certificateDir = path.dirname(/ssl_certificate\s+(\S+);/.exec(nginxConf)![1]);
    expect(nginx.volumes).toContain(`./certs:${certificateDir}:ro`);
    expect(nginx.ports).toEqual(['443:443']);
    for (const { service } of instances) {
      expect(service.network_mode).toBe('service:nginx');
      expect(upstreamPorts).toContain(service.environment?.PORT);
      expect(service.environment?.HOST).toBe('127.0.0.1');
      expect(service.environment?.TRUSTED_PROXIES).toBe('127.0.0.1');
    }
  });
});
