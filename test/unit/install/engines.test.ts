/**
 * `npm install` on the README's Node (20) must print no EBADENGINE warning (issue 15): every package
 * the lock file installs must accept the Node it runs on. cookie@2 (light-my-request's, via fastify)
 * wants Node >= 22; package.json's `overrides` keeps it at cookie 1.x, whose API light-my-request uses.
 * .ci/run also fails when `npm ci`'s own output has an EBADENGINE line.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

interface LockEntry { version?: string; dev?: boolean; engines?: { node?: string } | string[] }
const root = new URL('../../../', import.meta.url);
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as { packages: Record<string, LockEntry> };
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { engines: { node: string } };

/** the lock file's packages whose engines.node does not admit `version` */
function refusing(version: string, only: (e: LockEntry) => boolean): string[] {
  const out: string[] = [];
  for (const [path, e] of Object.entries(lock.packages)) {
    const range = e.engines !== undefined && !Array.isArray(e.engines) ? e.engines.node : undefined;
    if (path === '' || range === undefined || !only(e)) continue;
    if (!semver.satisfies(version, range)) out.push(`${path}@${e.version ?? '?'} requires node ${range}`);
  }
  return out;
}

describe('engines of the installed packages', () => {
  it('every package accepts the Node running the tests (no EBADENGINE from npm ci here)', () => {
    expect(refusing(process.versions.node, () => true)).toEqual([]);
  });

  it('every runtime package accepts the lowest Node that package.json admits', () => {
    const floor = semver.minVersion(pkg.engines.node)?.version ?? '';
    expect(floor).toMatch(/^20\./);
    expect(refusing(floor, (e) => e.dev !== true)).toEqual([]);
  });

  it('light-my-request gets a cookie that runs on Node 20 and has the function it calls', () => {
    const entry = lock.packages['node_modules/light-my-request/node_modules/cookie'] ?? lock.packages['node_modules/cookie'];
    expect(entry?.version).toMatch(/^1\./);
    // resolved from light-my-request's own place, as its require('cookie') is
    const fromLmr = createRequire(createRequire(import.meta.url).resolve('light-my-request'));
    const cookie = fromLmr('cookie') as { stringifySetCookie: (c: { name: string; value: string }) => string };
    expect(cookie.stringifySetCookie({ name: 'a', value: 'b c' })).toBe('a=b%20c');
  });
});
