/** `.env` support: the file's variables are added, the real environment wins, no file is fine. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Env } from './config-values';
import { loadDotEnv } from './dot-env';

describe('loadDotEnv', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-dotenv-'));
  afterEach(() => fs.rmSync(path.join(dir, '.env'), { force: true }));

  it("adds the file's variables without overriding those already set", () => {
    const file = path.join(dir, '.env');
    fs.writeFileSync(file, '# a comment\nPORT=4000\nHOST=127.0.0.1\nTOKEN_AUDIENCE="docs"\n');
    const env: Env = { PORT: '5000' };
    loadDotEnv(env, file);
    expect(env).toEqual({ PORT: '5000', HOST: '127.0.0.1', TOKEN_AUDIENCE: 'docs' });
  });

  it('leaves the environment alone when there is no file', () => {
    const env: Env = { PORT: '5000' };
    loadDotEnv(env, path.join(dir, '.env'));
    expect(env).toEqual({ PORT: '5000' });
  });
});
