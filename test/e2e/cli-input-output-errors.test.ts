/**
 * Commands that lost or hid things (issue 15), through the real CLI:
 * - replay and serve treat unreadable input as analyze does: exit 4, file and offset named, nothing
 *   served, no "finished: 0 streams, verdict warn", no stack trace;
 * - analyze of a directory says "is a directory"; --json of an unreadable capture carries the error,
 *   not a verdict;
 * - config: an unknown key is named with its place, exit 5; a wrong profile in a file names the file;
 * - an output file that cannot be written is E_OUTPUT (exit 8), with the report still printed.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'vrct-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const CLEAN = join(ROOT, 'fixtures', 'captures', 'clean-call.pcap');
const STACK = /at .*\.js:\d+|internal error/;

function file(name: string, bytes: Buffer | string): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

// deterministic "random" bytes: not a capture, and not text either
const noise = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24));
const BAD_INPUTS: Array<[string, () => string, RegExp]> = [
  ['a missing file', () => join(dir, 'nope.pcap'), /nope\.pcap: cannot open: ENOENT/],
  ['random bytes', () => file('random.bin', noise), /random\.bin, offset 0: unknown magic number/],
  ['an empty file', () => file('empty.pcap', ''), /empty\.pcap, offset 0: empty file/],
  ['a directory', () => { const d = join(dir, 'captures'); mkdirSync(d, { recursive: true }); return d; }, /captures: is a directory, not a capture file/],
];

describe.each(['replay', 'serve'])('%s on bad input behaves as analyze', (command) => {
  it.each(BAD_INPUTS)('%s: exit 4, file and offset named, nothing served', (_name, make, message) => {
    const r = runCli([command, make(), '--listen', '127.0.0.1:0', '--exit-after-end']);
    expect(r.status).toBe(4);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/finished|verdict|serving/);
    expect(r.stderr).not.toMatch(STACK);
  });

  it('a capture cut after some packets: what was read is replayed, the cut named as analyze names it', () => {
    const sample = readFileSync(join(ROOT, 'fixtures', 'captures', 'sample-call.pcapng'));
    const cut = file(`cut-${command}.pcapng`, sample.subarray(0, Math.floor(sample.length * 0.6) + 7));
    const r = runCli([command, cut, '--listen', '127.0.0.1:0', '--exit-after-end', ...(command === 'replay' ? ['--speed', 'max'] : [])]);
    expect(r.status).toBe(0);
    const warning = /warning: .*cut-\w+\.pcapng, packet (\d+), offset (\d+): file ends inside a block/.exec(r.stderr);
    expect(warning).not.toBeNull();
    const a = runCli(['analyze', cut, '--json']);
    expect(JSON.parse(a.stdout).input.error.message).toContain(`packet ${warning![1]}, offset ${warning![2]}`);
  });

  it('a good capture is still replayed and reported', () => {
    const r = runCli([command, CLEAN, '--listen', '127.0.0.1:0', '--exit-after-end', ...(command === 'replay' ? ['--speed', 'max'] : [])]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/finished: 2 streams, verdict pass/);
  });
});

describe('serve -', () => {
  it('is a usage error that points to monitor -', () => {
    const r = runCli(['serve', '-', '--listen', '127.0.0.1:0', '--exit-after-end']);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/not standard input: for a live pcap stream use `voipready monitor -`/);
  });
});

describe('analyze on bad input', () => {
  it.each(BAD_INPUTS)('%s: exit 4 with the same message as replay', (_name, make, message) => {
    const r = runCli(['analyze', make()]);
    expect(r.status).toBe(4);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('an unreadable capture leaves no --html or --openmetrics file behind (an error is not a report)', () => {
    const html = join(dir, 'unreadable.html');
    const om = join(dir, 'unreadable.om');
    const r = runCli(['analyze', file('random3.bin', noise), '--html', html, '--openmetrics', om]);
    expect(r.status).toBe(4);
    expect(existsSync(html)).toBe(false);
    expect(existsSync(om)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('.voipready-om-'))).toEqual([]);
  });

  it('--json of an unreadable capture carries the error and no verdict', () => {
    const r = runCli(['analyze', file('random2.bin', noise), '--json']);
    expect(r.status).toBe(4);
    const out = JSON.parse(r.stdout);
    expect(out.verdict).toBeUndefined();
    expect(out.summary).toBeUndefined();
    expect(out.error).toMatchObject({ code: 'E_CAPTURE_FORMAT', exit: 4 });
    expect(out.error.message).toMatch(/random2\.bin, offset 0/);
    expect(out.input.packets).toBe(0);
  });
});

describe('config errors name their place', () => {
  it('an unknown key: exit 5, the file and the key path', () => {
    const cfg = file('typo.yaml', 'profile: starface\nretention:\n  streamIdleSecond: 30\n');
    const r = runCli(['analyze', CLEAN, '--config', cfg]);
    expect(r.status).toBe(5);
    expect(r.stderr).toContain(`${cfg}: unknown key "retention.streamIdleSecond" (did you mean "streamIdleSeconds"?)`);
  });

  it('a top-level key no section reads (it used to be ignored)', () => {
    const cfg = file('top.yaml', 'thresold:\n  jitterMs: 5\n');
    const r = runCli(['analyze', CLEAN, '--config', cfg, '--json']);
    expect(r.status).toBe(5);
    expect(r.stderr).toMatch(/top\.yaml: unknown key "thresold" \(did you mean "thresholds"\?\)/);
    expect(r.stdout).toBe('');
  });

  it('profile: starfase in a file: exit 5 naming the file', () => {
    const cfg = file('profile.yaml', 'profile: starfase\n');
    const r = runCli(['analyze', CLEAN, '--config', cfg]);
    expect(r.status).toBe(5);
    expect(r.stderr).toContain(`${cfg}: profile: unknown profile "starfase"`);
  });

  it('durations in a file and on the command line', () => {
    const cfg = file('durations.yaml', 'staleSeconds: 2s\nretention: { streamIdleSeconds: 2m }\n');
    const r = runCli(['analyze', CLEAN, '--config', cfg, '--json']);
    expect(r.status).toBe(0);
    expect(runCli(['replay', CLEAN, '--listen', '127.0.0.1:0', '--speed', 'max', '--linger', '100ms']).status).toBe(0);
    const bad = runCli(['replay', CLEAN, '--listen', '127.0.0.1:0', '--linger', 'soon']);
    expect(bad.status).toBe(3);
    expect(bad.stderr).toMatch(/--linger "soon" is not a duration \(a number of seconds, or e\.g\. 500ms, 15s, 1m, 1h30m, 2d\)/);
  });
});

describe('output files that cannot be written: E_OUTPUT, exit 8', () => {
  const missingDir = join(dir, 'no-such-dir');

  it('--html: the report is printed, then the file and the reason are named', () => {
    const r = runCli(['analyze', CLEAN, '--html', join(missingDir, 'r.html'), '--json']);
    expect(r.status).toBe(8);
    expect(JSON.parse(r.stdout).verdict).toBe('pass');
    expect(r.stderr).toContain(`${join(missingDir, 'r.html')}: cannot write the HTML report (--html): its directory does not exist`);
  });

  it('--html onto a directory', () => {
    const r = runCli(['analyze', CLEAN, '--html', dir]);
    expect(r.status).toBe(8);
    expect(r.stderr).toMatch(/cannot write the HTML report \(--html\): it is a directory/);
  });

  it('--openmetrics: refused before the analysis, exit 8 (not 4, the capture is fine)', () => {
    const r = runCli(['analyze', CLEAN, '--openmetrics', join(missingDir, 'x.om')]);
    expect(r.status).toBe(8);
    expect(r.stderr).toMatch(/x\.om: cannot write the OpenMetrics file \(--openmetrics\): its directory does not exist/);
  });

  it('synth --truth into a missing directory: exit 8 naming --truth', () => {
    const r = runCli(['synth', join(ROOT, 'fixtures', 'synthetic', 'only-sip.json'), join(dir, 'only-sip.pcap'), '--truth', join(missingDir, 't.json')]);
    expect(r.status).toBe(8);
    expect(r.stderr).toMatch(/t\.json: cannot write the truth file \(--truth\): its directory does not exist/);
  });

  it('monitor --report into a missing directory: the report printed, then exit 8 naming --report', () => {
    const r = runCli(['monitor', '-', '--report', join(missingDir, 'r.json'), '--listen', '127.0.0.1:0', '--json'], { input: readFileSync(CLEAN) });
    expect(r.status).toBe(8);
    expect(JSON.parse(r.stdout).streams).toHaveLength(2);
    expect(r.stderr).toMatch(/r\.json: cannot write the report \(--report\): its directory does not exist/);
  });

  it('a writable --html still works', () => {
    const out = join(dir, 'ok.html');
    expect(runCli(['analyze', CLEAN, '--html', out]).status).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/<html/);
  });
});
