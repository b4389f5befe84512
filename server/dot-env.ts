/**
 * `.env` support for the two entry points (app.ts, main.ts). Apart from config.ts so that the
 * app's pages, which read their settings through config.ts, never bundle file access.
 */
import fs from 'node:fs';
import { parseEnv } from 'node:util';
import type { Env } from './config-values';

/**
 * Adds the variables of a `.env` file (if there is one) to `env`. Variables already set in the
 * real environment win, so a service manager can always override the file.
 */
export function loadDotEnv(env: Env, file = '.env'): void {
  if (!fs.existsSync(file)) return;
  for (const [name, value] of Object.entries(parseEnv(fs.readFileSync(file, 'utf8')))) {
    if (env[name] === undefined) env[name] = value;
  }
}
