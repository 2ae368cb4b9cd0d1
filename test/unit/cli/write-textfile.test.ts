import { existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { textfileTempPath, writeFileAtomic } from '../../../src/cli/write-textfile.js';
import { VoipreadyError } from '../../../src/errors.js';
import { isTextfileName } from '../../../src/outputs/prometheus/textfile.js';
import { checkMetricsSettings } from '../../../src/cli/check-metrics.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'vr-algm-textfile-')); });
afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

describe('--textfile: the atomic write', () => {
  it('replaces the file whole and leaves no temporary file; the temporary name is not *.prom (never collected)', () => {
    const path = join(dir, 'alg.prom');
    writeFileSync(path, 'old 1\n');
    writeFileAtomic(path, 'voipready_alg_check_success 1\n', 'the metrics textfile (--textfile)');
    expect(readFileSync(path, 'utf8')).toBe('voipready_alg_check_success 1\n');
    expect(readdirSync(dir)).toEqual(['alg.prom']);
    expect(textfileTempPath(path, 123)).toBe(`${path}.123.tmp`);
    expect(isTextfileName(textfileTempPath(path))).toBe(false);
  });

  it('goes through a temporary file that is renamed: a reader holding the old file keeps the old content', () => {
    const path = join(dir, 'alg.prom');
    writeFileSync(path, 'old 1\n');
    // an inode-level check of "rename, not rewrite in place": a hard link to the old file keeps the old bytes
    mkdirSync(join(dir, 'sub'));
    const held = join(dir, 'sub', 'held.prom');
    linkSync(path, held);
    writeFileAtomic(path, 'new 2\n', 'x');
    expect(readFileSync(held, 'utf8')).toBe('old 1\n');
    expect(readFileSync(path, 'utf8')).toBe('new 2\n');
  });

  it('a rename that fails (the path is a directory): E_OUTPUT, the temporary file removed', () => {
    const path = join(dir, 'alg.prom');
    mkdirSync(path);
    expect(() => writeFileAtomic(path, 'new\n', 'the metrics textfile (--textfile)')).toThrow(/alg\.prom: cannot write the metrics textfile/);
    expect(readdirSync(dir)).toEqual(['alg.prom']);
  });

  it('a missing directory: E_OUTPUT (exit 8) naming the file and the option, nothing created', () => {
    const path = join(dir, 'nope', 'alg.prom');
    let err: unknown;
    try {
      writeFileAtomic(path, 'x\n', 'the metrics textfile (--textfile)');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VoipreadyError);
    expect((err as VoipreadyError).code).toBe('E_OUTPUT');
    expect((err as VoipreadyError).exitCode).toBe(8);
    expect((err as Error).message).toMatch(new RegExp(`^${path.replace(/[.]/g, '\\.')}: cannot write the metrics textfile \\(--textfile\\)`));
    expect(existsSync(join(dir, 'nope'))).toBe(false);
  });

  it('a name the collector would ignore (not *.prom) is a usage error before the check runs', () => {
    expect(() => checkMetricsSettings({ textfile: join(dir, 'alg.txt') })).toThrow(/--textfile ".*alg\.txt": the name must end in \.prom/);
    expect(() => checkMetricsSettings({ textfile: join(dir, '.prom') })).toThrow(/must end in \.prom/);
    expect(checkMetricsSettings({ textfile: join(dir, 'alg.prom') }).site).toBe('default');
  });
});
