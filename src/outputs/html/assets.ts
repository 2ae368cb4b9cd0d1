/**
 * The charting library inlined into the report: uPlot's minified IIFE build and its stylesheet,
 * read from node_modules at render time (once per process) so the report needs no network.
 * Also the CSP hash of each inline script: the report allows exactly its own scripts to run,
 * so even markup that slipped past escaping could not execute.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface ChartAssets {
  script: string;
  css: string;
  version: string;
}

let cached: ChartAssets | null = null;

export function chartAssets(): ChartAssets {
  if (cached !== null) return cached;
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('uplot/package.json');
  const dir = join(dirname(pkgPath), 'dist');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { version?: string };
  const script = readFileSync(join(dir, 'uPlot.iife.min.js'), 'utf8');
  // the HTML parser ends a <script> at the first "</script"; the shipped build has none, keep it so
  if (/<\/script/i.test(script)) throw new Error('uPlot build contains "</script": cannot inline it');
  cached = { script, css: readFileSync(join(dir, 'uPlot.min.css'), 'utf8'), version: pkg.version ?? 'unknown' };
  return cached;
}

/** CSP source expression for an inline script: 'sha256-<base64>' (CSP3 hash-source) */
export function cspHash(scriptText: string): string {
  return `'sha256-${createHash('sha256').update(scriptText, 'utf8').digest('base64')}'`;
}
