/**
 * Version history in a real browser (Tandem only): the web app as `npm start` runs it (a
 * production build, SQLite), a room seeded through the real write path with automerge-paper as
 * 1,000 named versions (bench/lib/paper-room.ts), then Chromium (Debian's, with the flags of
 * playwright.config.ts) opens `/d/<room>` and measures, inside the page (bench/lib/page-probe.ts),
 * from the user's input event until the frame showing the result is painted:
 * - opening the Version history panel (click on the header's button → the version list and the
 *   newest version's diff, its change count in the status line), each on a fresh page;
 * - one timeslider step (ArrowLeft on the slider → the older version's diff), from positions
 *   spread over the whole history, every page of versions loaded;
 * - a restore from the panel (click on "Yes, restore this version" → the live editor holds the
 *   version's text, through the server and sync).
 * `BENCH_APP_PORT` picks the app's port (default: a free one).
 */
import type { Browser, Locator, Page } from '@playwright/test';
import type { Version } from '../../lib/protocol/history-api';
import { timeInput, waitUntil, type Timing } from '../lib/page-probe';
import { seedPaperRoom } from '../lib/paper-room';
import { percentile, round } from '../lib/stats';
import { launchBrowser, personPage, startWebApp } from '../lib/web-app';

export interface HistoryBrowserPlan {
  versions: number;
  /** Panel opens, each on a fresh page. */
  opens: number;
  /** Slider positions spread over the history, and steps taken from each. */
  stepPositions: number;
  stepsPerPosition: number;
  restores: number;
}

export interface HistoryBrowserResult {
  versions: number;
  edits: number;
  documentChars: number;
  seedSeconds: number;
  build: string;
  browser: string;
  opens: number;
  openP50Ms: number;
  openMaxMs: number;
  /** From the click until the DOM had it, before the frame was painted. */
  openDomP50Ms: number;
  steps: number;
  stepP50Ms: number;
  stepP95Ms: number;
  stepMaxMs: number;
  stepDomP95Ms: number;
  restores: number;
  restoreP50Ms: number;
  restoreMaxMs: number;
}

export async function measureHistoryBrowser(plan: HistoryBrowserPlan): Promise<HistoryBrowserResult> {
  // One typist sends the paper as fast as the server stores it, far over a person's rate.
  const app = await startWebApp({ name: 'history-browser', env: { UPDATE_RATE_PER_SECOND: '0' } });
  let browser: Browser | null = null;
  try {
    const { baseUrl } = app;
    const room = `bench-history-${Date.now().toString(36)}-browser`;
    const restoreTargets = spreadOver(plan.restores, Math.round(plan.versions * 0.1), Math.round(plan.versions * 0.95));
    console.log(`  seeding ${room} with automerge-paper as ${plan.versions} versions…`);
    const seeded = await seedPaperRoom({ baseUrl, room, versions: plan.versions, keepTextOf: restoreTargets });
    console.log(`  seeded in ${round(seeded.seconds)} s`);
    const newestFirst = [...seeded.versions].reverse();

    browser = await launchBrowser();
    const openPage = async (): Promise<Page> => {
      const page = await personPage(browser!, baseUrl);
      await page.goto(`/d/${room}`);
      // The live editor holds the whole paper: the initial sync is over, nothing else renders.
      await waitUntil(page, { kind: 'live-length', length: seeded.finalText.length });
      return page;
    };

    const opens: Timing[] = [];
    let page: Page | null = null;
    for (let open = 0; open < plan.opens; open++) {
      if (page) await page.context().close();
      page = await openPage();
      const button = page.getByRole('button', { name: 'Version history', exact: true });
      opens.push(await timeInput(page, { kind: 'diff-shown', title: newestFirst[0].name! }, () => button.click()));
      console.log(`  open ${open + 1}: ${round(opens.at(-1)!.paintedMs)} ms`);
    }
    const panel = new Panel(page!);
    await panel.loadAll(plan.versions);

    const steps: Timing[] = [];
    const lastStart = newestFirst.length - 1 - plan.stepsPerPosition;
    for (const position of spreadOver(plan.stepPositions, 0, lastStart)) {
      await panel.show(newestFirst[position]);
      await panel.slider.focus();
      for (let step = 1; step <= plan.stepsPerPosition; step++) {
        // Left is older: one version further back in the newest-first list.
        const older = newestFirst[position + step];
        steps.push(await timeInput(panel.page, { kind: 'diff-shown', title: older.name! }, () => panel.page.keyboard.press('ArrowLeft')));
      }
    }
    console.log(`  slider steps (ms): ${steps.map((step) => round(step.paintedMs)).join(', ')}`);

    const restores: Timing[] = [];
    for (const target of restoreTargets) {
      const version = seeded.versions[target - 1];
      await panel.show(version);
      await panel.button('Restore this version').click();
      const confirm = panel.dialog.getByRole('button', { name: 'Yes, restore this version' });
      restores.push(await timeInput(panel.page, { kind: 'live-text', text: seeded.texts.get(target)! }, () => confirm.click()));
      await panel.dialog.getByRole('status').filter({ hasText: 'Restored the version' }).waitFor();
      console.log(`  restore of ${version.name}: ${round(restores.at(-1)!.paintedMs)} ms`);
    }

    const painted = (list: Timing[]) => list.map((timing) => timing.paintedMs);
    return {
      versions: seeded.versions.length,
      edits: seeded.edits,
      documentChars: seeded.finalText.length,
      seedSeconds: round(seeded.seconds),
      build: app.build,
      browser: `Chromium ${browser.version()}`,
      opens: opens.length,
      openP50Ms: round(percentile(painted(opens), 50)),
      openMaxMs: round(Math.max(...painted(opens))),
      openDomP50Ms: round(percentile(opens.map((timing) => timing.domMs), 50)),
      steps: steps.length,
      stepP50Ms: round(percentile(painted(steps), 50)),
      stepP95Ms: round(percentile(painted(steps), 95)),
      stepMaxMs: round(Math.max(...painted(steps))),
      stepDomP95Ms: round(percentile(steps.map((timing) => timing.domMs), 95)),
      restores: restores.length,
      restoreP50Ms: round(percentile(painted(restores), 50)),
      restoreMaxMs: round(Math.max(...painted(restores))),
    };
  } finally {
    await browser?.close();
    await app.stop();
  }
}

/** The open history dialog of a page, with what the measurements need. */
class Panel {
  readonly dialog: Locator;
  readonly slider: Locator;
  private readonly options: Locator;

  constructor(readonly page: Page) {
    this.dialog = page.getByRole('dialog', { name: 'Version history' });
    this.slider = this.dialog.getByRole('slider', { name: 'Timeslider' });
    this.options = this.dialog.getByRole('listbox', { name: 'Versions' }).getByRole('option');
  }

  button(name: string): Locator {
    return this.dialog.getByRole('button', { name, exact: true });
  }

  /** Loads older pages until `count` versions are listed (the list holds 100 at first). */
  async loadAll(count: number): Promise<void> {
    const older = this.button('Load older versions');
    while ((await this.options.count()) < count) {
      const listed = await this.options.count();
      await older.click();
      await waitUntil(this.page, { kind: 'versions-listed-over', count: listed });
    }
  }

  /** Selects `version` in the list (loading older pages as needed) and waits for its diff. */
  async show(version: Version): Promise<void> {
    const option = this.dialog.locator(`[data-version-id="${version.id}"]`);
    while ((await option.count()) === 0) await this.loadAll((await this.options.count()) + 1);
    await option.click();
    await waitUntil(this.page, { kind: 'diff-shown', title: version.name! });
  }
}

/** `count` whole numbers spread evenly over [from, to]. */
function spreadOver(count: number, from: number, to: number): number[] {
  if (count <= 1) return count === 1 ? [to] : [];
  return Array.from({ length: count }, (_, index) => Math.round(from + ((to - from) * index) / (count - 1)));
}
