/**
 * Two people typing in real Chromium, against Tandem's own sync server and against the
 * in-memory reference y-websocket server, through the same web app (issue 16). Two apps run
 * from the one production build (bench/lib/web-app.ts): one syncs through its own origin's
 * `/sync` (Tandem, SQLite, the durable defaults), the other has `PUBLIC_SYNC_URL` pointing at
 * the reference server, where the browser's WebsocketProvider opens `ws://…/<room>`, which
 * y-websocket takes as the document's name. Each person is a browser context of their own.
 * - Typing: one person types at a human pace (a key every `KEY_INTERVAL_MS`, on a schedule,
 *   not back to back) at the start of the first paragraph, in an empty document and in
 *   automerge-paper's final text (one paragraph per line, about 105k characters). Each
 *   keystroke is timed, inside the pages (bench/lib/page-probe.ts), from its keydown until the
 *   frame that first shows it on the typist's screen (own) and on the other person's (other).
 *   Rounds alternate between the servers (and which goes first) so noise hits both alike.
 * - Latecomer: a fresh context opens the paper document while the two are in it; from the
 *   page's navigation start until the frame showing all of the text is painted.
 * Both servers get each document through a raw sync connection (bench/scenarios/join-storm.ts's
 * seedRoom) before anyone opens it. `BENCH_APP_PORT` picks the apps' ports (it and the next);
 * `BENCH_BROWSER_PROFILE=<dir>` writes a CPU profile of each typist's page over its rounds.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from '@playwright/test';
import { firstBlockText, liveLength, loadedMs, typingLog, waitUntil, watchLoad, watchTyping } from '../lib/page-probe';
import { bodyUpdate, paperParagraphs } from '../lib/paper-room';
import { startBenchServer, type BenchServer } from '../lib/servers';
import { percentile, round } from '../lib/stats';
import { launchBrowser, personPage, startCpuProfile, startWebApp, type WebApp } from '../lib/web-app';
import type { Endpoint } from '../lib/wire-client';
import { seedRoom } from './join-storm';

export interface BrowserTypingPlan {
  /** Keystrokes per (server, document) per round. */
  keystrokes: number;
  /** Rounds; each types once into every (server, document), servers alternating. */
  rounds: number;
  /** Latecomers per server, alternating. */
  latecomers: number;
}

export type BrowserServer = 'tandem' | 'reference';

export interface BrowserTypingRow {
  server: BrowserServer;
  document: DocumentName;
  documentChars: number;
  keystrokes: number;
  /** Keystroke (keydown) → the frame showing it on the typist's screen. */
  ownP50Ms: number;
  ownP95Ms: number;
  ownMaxMs: number;
  /** Keystroke (keydown) → the frame showing it on the other person's screen. */
  otherP50Ms: number;
  otherP95Ms: number;
  otherMaxMs: number;
  /** Keys sent over 10 ms after their scheduled time (the bench process was short of CPU). */
  lateKeys: number;
}

export interface LatecomerRow {
  server: BrowserServer;
  documentChars: number;
  rounds: number;
  /** Navigation start → all the text painted, ms. */
  medianMs: number;
  minMs: number;
  maxMs: number;
}

export interface BrowserTypingResult {
  build: string;
  browser: string;
  keyIntervalMs: number;
  typedAt: string;
  rows: BrowserTypingRow[];
  latecomers: LatecomerRow[];
  /** Tandem ÷ reference, per document (and the latecomer's median). */
  ratios: RatioRow[];
}

type DocumentName = 'empty' | 'automerge-paper';
/** One latency's Tandem ÷ reference at p50 and p95 (the latecomer: its median). */
export interface RatioRow {
  of: string;
  p50: number;
  p95: number | string;
}

export const SERVER_NAMES: Record<BrowserServer, string> = {
  tandem: 'Tandem (SQLite, durable defaults)',
  reference: 'y-websocket 2.1.0 (memory)',
};

/** About 10 keys a second, a person typing. */
const KEY_INTERVAL_MS = 100;
/** A key sent later than this after its scheduled time counts as late. */
const LATE_KEY_MS = 10;
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

interface Side {
  server: BrowserServer;
  app: WebApp;
  /** Where a raw sync connection reaches this side's rooms. */
  endpoint: Endpoint;
}

interface Pair {
  typist: Page;
  other: Page;
  /** The first paragraph's text when the two opened the document. */
  original: string;
  /** Typed so far, all at the start of the first paragraph (the caret after it). */
  typed: string;
  own: number[];
  remote: number[];
  lateKeys: number;
}

export async function measureBrowserTyping(plan: BrowserTypingPlan): Promise<BrowserTypingResult> {
  let reference: BenchServer | null = null;
  const apps: WebApp[] = [];
  let browser: Browser | null = null;
  try {
    reference = await startBenchServer('y-websocket');
    const tandemApp = await startWebApp({ name: 'browser-tandem' });
    apps.push(tandemApp);
    // Only the browser's sync (and API) base moves to the reference server; pages still come from the app.
    const referenceApp = await startWebApp({ name: 'browser-reference', env: { PUBLIC_SYNC_URL: reference.endpoint.origin }, portOffset: 1 });
    apps.push(referenceApp);
    const sides: Side[] = [
      { server: 'tandem', app: tandemApp, endpoint: { dialect: 'y-websocket', origin: tandemApp.baseUrl.replace(/^http/, 'ws'), roomPath: '/sync' } },
      { server: 'reference', app: referenceApp, endpoint: reference.endpoint },
    ];

    const paper = paperParagraphs();
    const documents: { name: DocumentName; paragraphs: string[] }[] = [
      { name: 'empty', paragraphs: [''] },
      { name: 'automerge-paper', paragraphs: paper },
    ];
    const stamp = Date.now().toString(36);
    const roomOf = (document: DocumentName) => `bench-typing-${stamp}-${document}`;
    browser = await launchBrowser();
    const pairs = new Map<string, Pair>();
    const key = (server: BrowserServer, document: DocumentName) => `${server} ${document}`;
    for (const document of documents) {
      const length = document.paragraphs.join('').length;
      for (const side of sides) {
        console.log(`  ${side.server}: seeding ${roomOf(document.name)} (${length} characters), opening two people…`);
        const seeder = await seedRoom(side.endpoint, roomOf(document.name), bodyUpdate(`browser typing ${document.name}`, document.paragraphs));
        await seeder.close();
        const open = async () => {
          const page = await personPage(browser!, side.app.baseUrl);
          reportPageErrors(page, side.server);
          await page.goto(`/d/${roomOf(document.name)}`);
          await waitUntil(page, { kind: 'live-length', length });
          return page;
        };
        const typist = await open();
        const other = await open();
        await typist.getByRole('textbox', { name: 'Document', exact: true }).click();
        await typist.keyboard.press('Control+Home');
        pairs.set(key(side.server, document.name), { typist, other, original: await firstBlockText(typist), typed: '', own: [], remote: [], lateKeys: 0 });
      }
    }

    // BENCH_BROWSER_PROFILE=<dir>: a CPU profile of each typist's page over all its rounds, <server>-<document>.cpuprofile.
    const profileDir = process.env.BENCH_BROWSER_PROFILE;
    const profiles = new Map<string, (file: string) => Promise<void>>();
    if (profileDir) {
      fs.mkdirSync(profileDir, { recursive: true });
      for (const [name, pair] of pairs) profiles.set(name, await startCpuProfile(pair.typist));
    }
    for (let pass = 0; pass < plan.rounds; pass++) {
      for (const document of documents) {
        // Which server goes first alternates too.
        for (const side of pass % 2 === 0 ? sides : [...sides].reverse()) {
          await typeRound(pairs.get(key(side.server, document.name))!, plan.keystrokes);
        }
      }
      console.log(`  round ${pass + 1} of ${plan.rounds} typed`);
    }
    for (const [name, stop] of profiles) await stop(path.join(profileDir!, `${name.replace(' ', '-')}.cpuprofile`));

    const latecomerTimes = new Map<BrowserServer, number[]>(sides.map((side) => [side.server, []]));
    const paperLengths = new Map<BrowserServer, number>();
    for (const side of sides) {
      const typist = pairs.get(key(side.server, 'automerge-paper'))!.typist;
      paperLengths.set(side.server, await liveLength(typist));
    }
    for (let pass = 0; pass < plan.latecomers; pass++) {
      for (const side of pass % 2 === 0 ? sides : [...sides].reverse()) {
        const page = await newLatecomer(browser, side.app.baseUrl, paperLengths.get(side.server)!);
        await page.goto(`/d/${roomOf('automerge-paper')}`);
        latecomerTimes.get(side.server)!.push(await loadedMs(page));
        await page.context().close();
      }
    }
    console.log(`  latecomers (ms): ${sides.map((side) => `${side.server} ${latecomerTimes.get(side.server)!.map((ms) => round(ms)).join(', ')}`).join('; ')}`);

    const rows = documents.flatMap((document) =>
      sides.map((side): BrowserTypingRow => {
        const pair = pairs.get(key(side.server, document.name))!;
        return {
          server: side.server,
          document: document.name,
          documentChars: document.paragraphs.join('').length,
          keystrokes: pair.own.length,
          ownP50Ms: round(percentile(pair.own, 50)),
          ownP95Ms: round(percentile(pair.own, 95)),
          ownMaxMs: round(Math.max(...pair.own)),
          otherP50Ms: round(percentile(pair.remote, 50)),
          otherP95Ms: round(percentile(pair.remote, 95)),
          otherMaxMs: round(Math.max(...pair.remote)),
          lateKeys: pair.lateKeys,
        };
      }),
    );
    const latecomers = sides.map((side): LatecomerRow => {
      const times = latecomerTimes.get(side.server)!;
      return {
        server: side.server,
        documentChars: paperLengths.get(side.server)!,
        rounds: times.length,
        medianMs: round(percentile(times, 50)),
        minMs: round(Math.min(...times)),
        maxMs: round(Math.max(...times)),
      };
    });
    return {
      build: tandemApp.build,
      browser: `Chromium ${browser.version()}`,
      keyIntervalMs: KEY_INTERVAL_MS,
      typedAt: 'the start of the first paragraph',
      rows,
      latecomers,
      ratios: ratios(rows, latecomers),
    };
  } finally {
    await browser?.close();
    for (const app of apps) await app.stop();
    await reference?.stop();
  }
}

/**
 * Types `keystrokes` letters into the pair's typist, one every KEY_INTERVAL_MS on a schedule,
 * and adds each one's own and other times to the pair.
 */
async function typeRound(pair: Pair, keystrokes: number): Promise<void> {
  const text = Array.from({ length: keystrokes }, (_, index) => LETTERS[(pair.typed.length + index) % LETTERS.length]).join('');
  for (const page of [pair.typist, pair.other]) {
    const seen = await firstBlockText(page);
    if (seen !== pair.typed + pair.original) throw new Error(`before a round, a first paragraph reads ${JSON.stringify(seen.slice(0, 80))}, not what was typed and the original`);
    await watchTyping(page, text, pair.typed, pair.original);
  }
  // Each key goes at its time, whether or not the page has handled the one before (a person
  // does not wait either): a page slower than the keys queues them, and that wait is measured.
  const presses: Promise<void>[] = [];
  const startAt = performance.now() + KEY_INTERVAL_MS;
  for (let index = 0; index < text.length; index++) {
    const due = startAt + index * KEY_INTERVAL_MS;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (performance.now() - due > LATE_KEY_MS) pair.lateKeys++;
    presses.push(pair.typist.keyboard.press(text[index]));
  }
  await Promise.all(presses);
  const own = await typingLog(pair.typist, text.length);
  const other = await typingLog(pair.other, text.length);
  if (own.keydowns.length !== text.length) throw new Error(`${own.keydowns.length} keydowns reached the typist's page for ${text.length} keys`);
  for (let index = 0; index < text.length; index++) {
    pair.own.push(own.painted[index] - own.keydowns[index]);
    pair.remote.push(other.painted[index] - own.keydowns[index]);
  }
  pair.typed += text;
}

/** A fresh person (no offline copy) whose page times its load until `length` characters are painted. */
async function newLatecomer(browser: Browser, baseUrl: string, length: number): Promise<Page> {
  const page = await personPage(browser, baseUrl);
  await watchLoad(page, { kind: 'live-length', length });
  return page;
}

/** Tandem ÷ reference for each latency, per document; and the latecomer's median. */
function ratios(rows: BrowserTypingRow[], latecomers: LatecomerRow[]): RatioRow[] {
  const ratio = (a: number, b: number) => round(a / b);
  const find = <T extends { server: BrowserServer }>(list: T[], server: BrowserServer, where: (item: T) => boolean = () => true) =>
    list.find((item) => item.server === server && where(item))!;
  const documents = [...new Set(rows.map((row) => row.document))];
  const byDocument = documents.flatMap((document) => {
    const tandem = find(rows, 'tandem', (row) => row.document === document);
    const reference = find(rows, 'reference', (row) => row.document === document);
    return [
      { of: `${document}: own screen`, p50: ratio(tandem.ownP50Ms, reference.ownP50Ms), p95: ratio(tandem.ownP95Ms, reference.ownP95Ms) },
      { of: `${document}: other screen`, p50: ratio(tandem.otherP50Ms, reference.otherP50Ms), p95: ratio(tandem.otherP95Ms, reference.otherP95Ms) },
    ];
  });
  return [...byDocument, { of: 'latecomer (median)', p50: ratio(find(latecomers, 'tandem').medianMs, find(latecomers, 'reference').medianMs), p95: '–' }];
}

/** Page errors and failed requests, said once each: a plain y-websocket server cannot answer Tandem's API. */
function reportPageErrors(page: Page, server: BrowserServer): void {
  const said = new Set<string>();
  const say = (what: string) => {
    if (said.has(what)) return;
    said.add(what);
    console.log(`  [${server} page] ${what}`);
  };
  page.on('pageerror', (error) => say(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') say(`console error: ${message.text()}`);
  });
  // ERR_ABORTED: the page itself cancelled it (e.g. a link's prefetch).
  page.on('requestfailed', (request) => request.failure()?.errorText !== 'net::ERR_ABORTED' && say(`request failed: ${request.method()} ${request.url().replace(/\?.*/, '')} (${request.failure()?.errorText})`));
}
