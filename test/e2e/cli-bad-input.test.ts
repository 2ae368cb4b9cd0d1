/**
 * Bad input through the real CLI: a clear message naming the file (and packet/offset where there is
 * one), the documented exit code, never a crash or a hang, and whatever could be read is reported.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'vr-bad-'));
const sample = readFileSync(join(ROOT, 'fixtures', 'captures', 'sample-call.pcapng'));
const clean = readFileSync(join(ROOT, 'fixtures', 'captures', 'clean-call.pcap'));

function file(name: string, bytes: Buffer | string): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

describe('bad input', () => {
  it('a missing file: exit 4 and the file named', () => {
    const r = runCli(['analyze', join(dir, 'nope.pcap')]);
    expect(r.status).toBe(4);
    expect(r.stderr).toMatch(/nope\.pcap/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
  });

  it('a directory: exit 4, not a crash', () => {
    const r = runCli(['analyze', dir]);
    expect(r.status).toBe(4);
    expect(r.stderr).toContain(`${dir}: is a directory`);
  });

  it('an empty file and garbage: exit 4 with the reason', () => {
    const empty = runCli(['analyze', file('empty.pcap', Buffer.alloc(0))]);
    expect(empty.status).toBe(4);
    expect(empty.stderr).toMatch(/empty\.pcap/);
    const garbage = runCli(['analyze', file('garbage.pcap', 'this is not a capture at all, just text\n'.repeat(20))]);
    expect(garbage.status).toBe(4);
    expect(garbage.stderr).toMatch(/garbage\.pcap.*(magic|not a pcap)/i);
  });

  it('a truncated capture: the packets before the cut are analysed, the cut is named with packet and offset', () => {
    const cut = file('cut.pcapng', sample.subarray(0, Math.floor(sample.length * 0.6) + 7));
    const r = runCli(['analyze', cut, '--json']);
    const report = JSON.parse(r.stdout);
    expect(report.input.packets).toBeGreaterThan(100);
    expect(report.input.error.code).toBe('E_CAPTURE_TRUNCATED');
    expect(report.input.error.message).toMatch(/cut\.pcapng, packet \d+, offset \d+/);
    expect(report.findings.map((f: { code: string }) => f.code)).toContain('CAPTURE_TRUNCATED');
    expect(report.streams.length).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/warning: .*cut\.pcapng, packet \d+/);
    expect([0, 1]).toContain(r.status);
  });

  it('a record announcing an impossible length: E_CAPTURE_CORRUPT with the offset, earlier packets kept', () => {
    const bytes = Buffer.from(clean);
    // classic pcap: 24-byte file header, then records; break the caplen of record 3
    let off = 24;
    for (let i = 0; i < 2; i++) off += 16 + bytes.readUInt32LE(off + 8);
    bytes.writeUInt32LE(0x7fffffff, off + 8);
    const r = runCli(['analyze', file('corrupt.pcap', bytes), '--json']);
    const report = JSON.parse(r.stdout);
    expect(report.input.packets).toBe(2);
    expect(report.input.error.code).toBe('E_CAPTURE_CORRUPT');
    expect(report.input.error.message).toContain(`offset ${off}`);
  });

  it('garbage after a valid header and mangled packets never crash the analysis', () => {
    const bytes = Buffer.from(clean);
    for (let i = 200; i < bytes.length; i += 97) bytes[i] = (bytes[i]! * 31 + 7) & 0xff;
    const r = runCli(['analyze', file('mangled.pcap', bytes), '--json']);
    expect(r.status === 0 || r.status === 1 || r.status === 4).toBe(true);
    const report = JSON.parse(r.stdout);
    expect(report.input.packets).toBeGreaterThan(0);
  });

  it('usage errors: exit 3 and a pointer to --help', () => {
    const r = runCli(['analyze']);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/missing required argument/);
    expect(runCli(['analyze', 'x.pcap', '--profile', 'asterisk']).status).toBe(3);
    expect(runCli(['analyze', 'x.pcap', '--link-speed', 'fast']).status).toBe(3);
    expect(runCli(['frobnicate']).status).toBe(3);
  });

  it('a bad config file: exit 5 naming the file', () => {
    const cfg = file('bad.yaml', 'thresholds:\n  jitterMs: lots\n');
    const r = runCli(['analyze', join(ROOT, 'fixtures', 'captures', 'clean-call.pcap'), '--config', cfg]);
    expect(r.status).toBe(5);
    expect(r.stderr).toContain('bad.yaml');
  });

  it('stdin that is not a capture: exit 4 naming stdin', () => {
    const r = runCli(['analyze', '-'], { input: Buffer.from('GET / HTTP/1.1\r\n\r\n') });
    expect(r.status).toBe(4);
    expect(r.stderr).toMatch(/stdin/);
  });

  it('--peer: a missing or non-capture peer file is named, exit 4; a bad --clock-offset is a usage error (3)', () => {
    const a = join(ROOT, 'fixtures', 'captures', 'clean-call.pcap');
    const missing = runCli(['analyze', a, '--peer', join(dir, 'no-peer.pcap')]);
    expect(missing.status).toBe(4);
    expect(missing.stderr).toMatch(/--peer: .*no-peer\.pcap/);
    const text = runCli(['analyze', a, '--peer', file('peer.txt', 'not a capture\n'.repeat(10))]);
    expect(text.status).toBe(4);
    expect(text.stderr).toMatch(/peer\.txt.*(magic|not a pcap)/i);
    const bad = runCli(['analyze', a, '--peer', a, '--clock-offset', 'soon']);
    expect(bad.status).toBe(3);
    expect(bad.stderr).toMatch(/--clock-offset "soon"/);
    const alone = runCli(['analyze', a, '--clock-offset', '5']);
    expect(alone.status).toBe(3);
  });

  it('--peer with the capture itself: twoPoint in the JSON, delay 0, "(two captures)" in the summary', () => {
    const a = join(ROOT, 'fixtures', 'captures', 'clean-call.pcap');
    const r = runCli(['analyze', a, '--peer', a, '--json']);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.twoPoint.streams).toHaveLength(2);
    expect(report.twoPoint.streams[0].delayMs.max).toBe(0);
    expect(report.summary.find((x: { criterion: string }) => x.criterion === 'oneWayDelay').measured).toMatch(/two captures/);
    const plain = JSON.parse(runCli(['analyze', a, '--json']).stdout);
    expect(plain.twoPoint).toBeNull();
    const txt = runCli(['analyze', a, '--peer', a, '--no-color']);
    expect(txt.stdout).toMatch(/Between the two capture points/);
  });
});
