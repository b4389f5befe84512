/**
 * The web app and the browser of the Chromium scenarios: the production build (rebuilt when
 * stale, test/support/app-build.ts) run as `npm start` runs it (`node scripts/start.mjs`: the
 * supervisor and server/app.ts, Next.js and the sync server on one port), SQLite in a fresh
 * directory with the durable defaults; Chromium headless with the flags of playwright.config.ts;
 * one browser context per person (two pages in one context would sync over BroadcastChannel,
 * without the server), each page with the probe of bench/lib/page-probe.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, devices, type Browser, type Page } from '@playwright/test';
import playwrightConfig from '../../playwright.config';
import { ensureAppBuild } from '../../test/support/app-build';
import { freePort, ROOT, spawnAppServer } from '../../test/support/spawn';
import { addProbe } from './page-probe';
import { round } from './stats';

export interface WebApp {
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  /** How the build was had, for the report: reused, or built with which bundler in how long. */
  build: string;
  /** Stops the app and removes its data directory. */
  stop(): Promise<void>;
}

export interface WebAppOptions {
  /** Names the data directory. */
  name: string;
  /** On top of the production defaults (test/support/spawn.ts spawnAppServer); `undefined` removes one. */
  env?: Record<string, string | undefined>;
  /** The n-th app of a scenario listens on BENCH_APP_PORT + n when that is set (default: a free port). */
  portOffset?: number;
}

/** Builds the app if its build is stale and starts it; resolves once it is listening. */
export async function startWebApp({ name, env = {}, portOffset = 0 }: WebAppOptions): Promise<WebApp> {
  const build = ensureAppBuild();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `tandem-bench-${name}-`));
  const port = process.env.BENCH_APP_PORT ? Number(process.env.BENCH_APP_PORT) + portOffset : await freePort();
  const server = await spawnAppServer({ args: [path.join(ROOT, 'scripts', 'start.mjs')], port, dataDir, env });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    build: build.bundler === 'existing' ? 'existing build' : `${build.bundler} build (${round(build.seconds)} s)`,
    stop: async () => {
      await server.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Chromium as the end-to-end tests run it, headless. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ ...(playwrightConfig.use?.launchOptions ?? {}), headless: true });
}

/** A page in a fresh browser context (one person) on `baseUrl`, the probe added. */
export async function personPage(browser: Browser, baseUrl: string): Promise<Page> {
  const context = await browser.newContext({ ...devices['Desktop Chrome'], baseURL: baseUrl });
  const page = await context.newPage();
  await addProbe(page);
  return page;
}

/** Starts Chromium's CPU profiler in `page` (CDP); the function returned stops it and writes the profile to `file` (open it in DevTools). */
export async function startCpuProfile(page: Page): Promise<(file: string) => Promise<void>> {
  const session = await page.context().newCDPSession(page);
  await session.send('Profiler.enable');
  await session.send('Profiler.start');
  return async (file) => {
    const { profile } = await session.send('Profiler.stop');
    fs.writeFileSync(file, JSON.stringify(profile));
    await session.detach();
  };
}
