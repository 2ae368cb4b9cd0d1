import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Counter, Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRemoteWriter, type RemoteWriter } from '../../../../src/outputs/remote-write/writer.js';
import { FakeReceiver } from '../../../helpers/fake-receiver.js';

const T0 = Date.now() - 120_000;
let rx: FakeReceiver;
let dir: string;
const writers: RemoteWriter[] = [];

beforeEach(async () => {
  rx = await FakeReceiver.start();
  dir = mkdtempSync(join(tmpdir(), 'vr-state-'));
});
afterEach(async () => {
  for (const w of writers.splice(0)) await w.stop(200);
  await rx.close();
  rmSync(dir, { recursive: true, force: true });
});

/** one "voipready process": a registry whose counter is 10 * second, and a writer on `dir` */
function run(logs: string[], urls = [rx.url]) {
  const registry = new Registry();
  const c = new Counter({ name: 'voipready_test_total', help: 'h', registers: [registry] });
  const w = createRemoteWriter({
    targets: urls.map((url) => ({ url })), registry, externalLabels: { site: 'hq' }, pushIntervalSeconds: 0.05, stateDir: dir,
    log: (l) => logs.push(l), selfMetricsRegistry: new Registry(), minBackoffMs: 20, maxBackoffMs: 50, diskFlushMs: 30,
  });
  writers.push(w);
  const at = async (second: number) => {
    c.reset();
    c.inc(10 * second);
    await w.sample(T0 + second * 1000);
  };
  return { w, at };
}

const got = () => rx.accepted().map((s) => [s.timestamp, s.value]);
const want = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => [T0 + (from + i) * 1000, 10 * (from + i)]);

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('remote writer with --state-dir', () => {
  it('killed while the centre is down (kill -9 after the last fsync), the next start sends the queued samples', async () => {
    await rx.down();
    const first = run([]);
    first.w.start();
    for (let s = 1; s <= 8; s++) await first.at(s);
    await new Promise((r) => setTimeout(r, 120)); // a few disk flushes
    first.w.abandon(); // no stop(): nothing more is written
    // and a record torn in half by the kill
    const seg = readdirSync(dir).filter((n) => n.endsWith('.seg')).sort().pop() as string;
    appendFileSync(join(dir, seg), Buffer.from([0x56, 0x52, 0x57, 0x31, 0xff, 0, 0, 0]));
    await rx.up();
    const logs: string[] = [];
    const second = run(logs);
    second.w.start();
    await second.at(9);
    await waitFor(() => got().length === 9);
    expect(got()).toEqual(want(1, 9));
    expect(logs.join('\n')).toMatch(/8 samples from a previous run queued/);
    expect(logs.join('\n')).toMatch(/skipped the last 8 bytes/);
  });

  it('stopped cleanly while the centre is down, keeps the samples for the next start, and does not resend sent ones', async () => {
    const logs: string[] = [];
    const first = run(logs);
    first.w.start();
    for (let s = 1; s <= 3; s++) await first.at(s);
    await waitFor(() => got().length === 3);
    await rx.down();
    for (let s = 4; s <= 6; s++) await first.at(s);
    await first.w.stop(300);
    expect(logs.join('\n')).toMatch(/3 samples not delivered .*kept in .* for the next start/);
    await rx.up();
    const second = run([]);
    second.w.start();
    await waitFor(() => got().length === 6);
    await second.w.stop(300);
    expect(got()).toEqual(want(1, 6));
  });

  it('a target added later starts from what is still on disk; each target keeps its own position', async () => {
    const other = await FakeReceiver.start();
    try {
      const first = run([]);
      first.w.start();
      for (let s = 1; s <= 2; s++) await first.at(s);
      await waitFor(() => got().length === 2);
      await rx.down();
      await first.at(3);
      await first.w.stop(200);
      await rx.up();
      const second = run([], [rx.url, other.url]);
      second.w.start();
      await second.at(4);
      await waitFor(() => got().length === 4 && other.accepted().length === 2);
      expect(got()).toEqual(want(1, 4));
      expect(other.accepted().map((s) => s.timestamp)).toEqual([T0 + 3000, T0 + 4000]);
    } finally {
      await other.close();
    }
  });
});
