/**
 * A blank Chromium page holding TipTap editors bound to Y.Docs through y-tiptap
 * (binding-page.entry.ts, bundled here with esbuild), for the binding's e2e spec
 * (e2e/binding.spec.ts) and its benchmark (bench/binding-profile.ts).
 *
 * `binding: 'patched'` bundles @tiptap/y-tiptap as node_modules holds it (with
 * patches/@tiptap+y-tiptap+3.0.9.patch applied by `npm install`); `'upstream'` bundles the
 * package as published, the patch reversed in a temporary copy, so a benchmark can time both
 * in one run.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const PATCH_FILE = path.join(ROOT, 'patches', '@tiptap+y-tiptap+3.0.9.patch');
const PACKAGE_DIR = path.join(ROOT, 'node_modules', '@tiptap', 'y-tiptap');

export type BindingVariant = 'patched' | 'upstream';

/** The package's dist files as published: the patch reversed on a copy. */
function upstreamDist(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'y-tiptap-upstream-'));
  const dist = path.join(dir, 'node_modules', '@tiptap', 'y-tiptap', 'dist');
  fs.mkdirSync(dist, { recursive: true });
  for (const file of ['y-tiptap.js', 'y-tiptap.cjs']) fs.copyFileSync(path.join(PACKAGE_DIR, 'dist', file), path.join(dist, file));
  execFileSync('patch', ['-R', '-p1', '-s', '-d', dir, '-i', PATCH_FILE]);
  return path.join(dist, 'y-tiptap.js');
}

const bundles = new Map<BindingVariant, string>();

/** The page script for `variant`, built once per process. */
export async function bindingPageScript(variant: BindingVariant = 'patched'): Promise<string> {
  const cached = bundles.get(variant);
  if (cached) return cached;
  const replacement = variant === 'upstream' ? upstreamDist() : null;
  const result = await esbuild.build({
    entryPoints: [path.join(import.meta.dirname, 'binding-page.entry.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
    // The upstream copy lives in a temporary directory: its own imports resolve from ours.
    nodePaths: [path.join(ROOT, 'node_modules')],
    plugins: replacement
      ? [
          {
            name: 'y-tiptap-upstream',
            setup(build) {
              // Every import of the package (ours and the Collaboration extension's) gets the copy.
              build.onResolve({ filter: /^@tiptap\/y-tiptap$/ }, () => ({ path: replacement }));
            },
          },
        ]
      : [],
  });
  const script = result.outputFiles[0].text;
  bundles.set(variant, script);
  return script;
}

/** Loads the harness into `page` (a blank page): `window.bindingPage` is ready afterwards. */
export async function openBindingPage(page: Page, variant: BindingVariant = 'patched'): Promise<void> {
  await page.setContent('<!doctype html><html><head><meta charset="utf-8"></head><body></body></html>');
  await page.addScriptTag({ content: await bindingPageScript(variant) });
  // Run under tsx (the benchmark), functions handed to page.evaluate call esbuild's name helper.
  await page.addScriptTag({ content: 'window.__name = (fn) => fn;' });
  await page.waitForFunction(() => 'bindingPage' in window);
}
