/**
 * What a remote keystroke costs the receiving browser on a large document, with y-tiptap as
 * published and with Tandem's patch (patches/@tiptap+y-tiptap+3.0.9.patch), back to back in one
 * Chromium (playwright.config.ts's launch options).
 *
 * The receiver is a TipTap editor with the document's extensions bound through Collaboration
 * (test/support/binding-page.ts), focused, its caret near the top, holding automerge-paper's final
 * text as paragraphs. A second Y.Doc in the page types into a paragraph in the middle, one
 * character per Yjs update, as a remote person's keystrokes arrive; each update is applied to the
 * receiver's doc and timed:
 *
 * - `apply`: Y.applyUpdate on the receiver's doc, synchronous: Yjs, the binding's observer and the
 *   ProseMirror transaction it dispatches (state, plugins, view update of the DOM);
 * - `dispatch`: the part of it inside the view's dispatch (ProseMirror, Tandem's plugins, TipTap);
 * - `binding`: apply − dispatch − Yjs (the same update applied to a bare Y.Doc): the binding's own
 *   work (rebuilding nodes, the replace, the selection).
 *
 * Style and layout mostly happen inside the dispatch already: the binding scrolls the receiver's
 * caret into view when it is on screen, which measures it. Paint is not timed.
 *
 * Variants alternate per round, each round in a fresh page, keystrokes paced one per frame.
 *
 *   node --import tsx bench/binding-profile.ts [keystrokes=200] [rounds=2] [--profile]
 *
 * `--profile` also records a CDP CPU profile of each variant's last round and prints the functions
 * with the most self time and the binding's functions with their total time.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, devices, type Page } from '@playwright/test';
import type {} from '../test/support/binding-page.entry';
import { openBindingPage, type BindingVariant } from '../test/support/binding-page';
import { loadTrace, textAfterEdits } from '../test/support/traces';
import playwrightConfig from '../playwright.config';

interface Timings {
  apply: number[];
  dispatch: number[];
  yjs: number[];
}

const args = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const KEYSTROKES = Number(args[0] ?? 200);
const ROUNDS = Number(args[1] ?? 2);
const PROFILE = process.argv.includes('--profile');

function paperDocument(): { doc: object; characters: number; paragraphs: number } {
  const text = textAfterEdits(loadTrace('automerge-paper.json.gz').txns);
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  return {
    doc: { type: 'doc', content: lines.map((line) => ({ type: 'paragraph', content: [{ type: 'text', text: line }] })) },
    characters: text.length,
    paragraphs: lines.length,
  };
}

async function round(page: Page, variant: BindingVariant, content: object, keystrokes: number): Promise<Timings> {
  await openBindingPage(page, variant);
  return page.evaluate(
    async ({ content, keystrokes }) => {
      const { create, peers, Y, TextSelection } = window.bindingPage;
      create(1, content as never);
      const [receiver] = peers;
      const { editor } = receiver;
      editor.view.focus();
      editor.view.dispatch(editor.state.tr.setSelection(TextSelection.create(editor.state.doc, 5)));
      const remote = new Y.Doc();
      Y.applyUpdate(remote, Y.encodeStateAsUpdate(receiver.doc));
      const bare = new Y.Doc();
      Y.applyUpdate(bare, Y.encodeStateAsUpdate(receiver.doc));
      const fragment = remote.getXmlFragment('default');
      const target = fragment.get(Math.floor(fragment.length / 2)) as InstanceType<typeof Y.XmlElement>;
      const text = target.get(0) as InstanceType<typeof Y.XmlText>;
      const updates: Uint8Array[] = [];
      remote.on('update', (update: Uint8Array) => updates.push(update));
      let inDispatch = 0;
      const dispatch = editor.view.dispatch.bind(editor.view);
      editor.view.dispatch = (tr) => {
        const started = performance.now();
        dispatch(tr);
        inDispatch += performance.now() - started;
      };
      const frame = () => new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
      const timings = { apply: [] as number[], dispatch: [] as number[], yjs: [] as number[] };
      const letters = 'the quick brown fox jumps over the lazy dog ';
      for (let i = 0; i < keystrokes; i++) {
        await frame();
        text.insert(text.length, letters[i % letters.length]);
        const update = updates.shift()!;
        const yjsStarted = performance.now();
        Y.applyUpdate(bare, update, 'remote');
        timings.yjs.push(performance.now() - yjsStarted);
        inDispatch = 0;
        const started = performance.now();
        Y.applyUpdate(receiver.doc, update, 'remote');
        timings.apply.push(performance.now() - started);
        timings.dispatch.push(inDispatch);
      }
      if (editor.state.doc.child(Math.floor(fragment.length / 2)).textContent !== text.toString()) {
        throw new Error('the receiver does not show what was typed');
      }
      return timings;
    },
    { content, keystrokes },
  );
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; lineNumber: number };
  children?: number[];
}

/** y-tiptap's functions that run for a remote change (their names survive the bundle). */
const BINDING_FUNCTIONS = ['_typeChanged', 'createNodeFromYElement', 'createTextNodesFromYText', 'restoreRelativeSelection', 'replaceChangedChildren', 'updateState'];

/** Self time by function, and total time (self and callees, outermost call only) of a few. */
function summarize(profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  for (const [id, us] of self) {
    const { functionName, lineNumber } = byId.get(id)!.callFrame;
    const name = `${functionName || '(anonymous)'}:${lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  }
  const inclusive = new Map<string, number>();
  const walk = (id: number, open: Set<string>): number => {
    const node = byId.get(id)!;
    const name = node.callFrame.functionName;
    const counted = BINDING_FUNCTIONS.includes(name) && !open.has(name);
    const inner = counted ? new Set([...open, name]) : open;
    const us = (self.get(id) ?? 0) + (node.children ?? []).reduce((sum, child) => sum + walk(child, inner), 0);
    if (counted) inclusive.set(name, (inclusive.get(name) ?? 0) + us);
    return us;
  };
  const childIds = new Set(profile.nodes.flatMap((node) => node.children ?? []));
  for (const node of profile.nodes) if (!childIds.has(node.id)) walk(node.id, new Set());
  const line = (name: string, us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${name}`;
  return [
    `sampled ${(total / 1e6).toFixed(2)} s; self time by function:`,
    ...[...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([name, us]) => line(name, us)),
    'total time (with callees):',
    ...BINDING_FUNCTIONS.map((name) => line(name, inclusive.get(name) ?? 0)),
  ].join('\n');
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const ms = (value: number) => value.toFixed(2).padStart(7);

async function main(): Promise<void> {
  const { doc, characters, paragraphs } = paperDocument();
  const browser = await chromium.launch(playwrightConfig.use?.launchOptions ?? {});
  const results = new Map<BindingVariant, Timings>();
  const profiles: string[] = [];
  console.log(`automerge paper: ${characters} characters, ${paragraphs} paragraphs; ${KEYSTROKES} remote keystrokes × ${ROUNDS} rounds per variant; load ${os.loadavg()[0].toFixed(2)}`);
  try {
    for (let r = 0; r < ROUNDS; r++) {
      for (const variant of ['upstream', 'patched'] as const) {
        const context = await browser.newContext({ ...devices['Desktop Chrome'] });
        const page = await context.newPage();
        const profiling = PROFILE && r === ROUNDS - 1;
        const cdp = profiling ? await context.newCDPSession(page) : null;
        if (cdp) {
          await cdp.send('Profiler.enable');
          await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
          await cdp.send('Profiler.start');
        }
        const timings = await round(page, variant, doc, KEYSTROKES);
        if (cdp) {
          const { profile } = await cdp.send('Profiler.stop');
          const file = path.join(os.tmpdir(), `binding-${variant}.cpuprofile`);
          fs.writeFileSync(file, JSON.stringify(profile));
          profiles.push(`${variant} (${file}; the whole round, loading the document too):\n${summarize(profile as never)}`);
        }
        const total = results.get(variant) ?? { apply: [], dispatch: [], yjs: [] };
        for (const key of Object.keys(total) as (keyof Timings)[]) total[key].push(...timings[key]);
        results.set(variant, total);
        await context.close();
        console.log(`round ${r + 1} ${variant}: apply median ${quantile(timings.apply, 0.5).toFixed(2)} ms`);
      }
    }
  } finally {
    await browser.close();
  }
  console.log('\nper remote keystroke, ms   median      p95   (apply = binding + dispatch + Yjs)');
  for (const [variant, timings] of results) {
    const binding = timings.apply.map((apply, i) => apply - timings.dispatch[i] - timings.yjs[i]);
    for (const [name, values] of [['apply', timings.apply], ['  binding', binding], ['  dispatch', timings.dispatch], ['  yjs', timings.yjs]] as const) {
      console.log(`${variant.padEnd(9)} ${name.padEnd(11)} ${ms(quantile(values, 0.5))}  ${ms(quantile(values, 0.95))}`);
    }
  }
  const up = results.get('upstream')!;
  const patched = results.get('patched')!;
  console.log(`apply: patched / upstream = ${(quantile(patched.apply, 0.5) / quantile(up.apply, 0.5)).toFixed(2)} (median), ${(quantile(patched.apply, 0.95) / quantile(up.apply, 0.95)).toFixed(2)} (p95)`);
  for (const profile of profiles) console.log(`\n${profile}`);
}

await main();
