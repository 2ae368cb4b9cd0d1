import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Counter, Gauge, Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRemoteWriter, remoteWriteListener, type RemoteWriter, type RemoteWriterOptions } from '../../../../src/outputs/remote-write/writer.js';
import { FakeReceiver } from '../../../helpers/fake-receiver.js';
import type { LiveView } from '../../../../src/pipeline/events.js';

const T0 = Date.now() - 60_000;
let rx: FakeReceiver;
const writers: RemoteWriter[] = [];
const dirs: string[] = [];

beforeEach(async () => {
  rx = await FakeReceiver.start();
});
afterEach(async () => {
  for (const w of writers.splice(0)) await w.stop(200);
  await rx.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** a registry like the analysis one: a counter and a gauge advanced every (fake) second */
function setup(over: Partial<RemoteWriterOptions> = {}) {
  const registry = new Registry();
  const packets = new Counter({ name: 'voipready_test_packets_total', help: 'h', registers: [registry] });
  const active = new Gauge({ name: 'voipready_test_streams_active', help: 'h', registers: [registry] });
  const logs: string[] = [];
  const self = new Registry();
  const w = createRemoteWriter({
    targets: [{ url: rx.url }], registry, externalLabels: { site: 'hq', instance: 'pbx1' }, pushIntervalSeconds: 0.05,
    stateDir: null, log: (l) => logs.push(l), selfMetricsRegistry: self, minBackoffMs: 20, maxBackoffMs: 80, diskFlushMs: 50, ...over,
  });
  writers.push(w);
  let second = 0;
  const tick = async (n = 1) => {
    for (let i = 0; i < n; i++) {
      second++;
      packets.inc(50);
      active.set(second % 3);
      await w.sample(T0 + second * 1000);
    }
  };
  return { w, logs, self, tick, registry };
}

async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function packetSeries(): Array<[number, number]> {
  return rx.accepted().filter((s) => s.name === 'voipready_test_packets_total').map((s) => [s.timestamp, s.value]);
}

function expectContinuous(got: Array<[number, number]>, from: number, to: number): void {
  const want: Array<[number, number]> = [];
  for (let s = from; s <= to; s++) want.push([T0 + s * 1000, 50 * s]);
  expect(got).toEqual(want);
}

describe('remote writer', () => {
  it('pushes every series with the required headers, external labels and original timestamps', async () => {
    const { w, tick, self } = setup();
    w.start();
    await tick(3);
    await waitFor(() => packetSeries().length === 3);
    const req = rx.requests[0];
    expect(req?.headers['content-encoding']).toBe('snappy');
    expect(req?.headers['content-type']).toBe('application/x-protobuf');
    expect(req?.headers['x-prometheus-remote-write-version']).toBe('0.1.0');
    expect(req?.headers['user-agent']).toMatch(/^voipready/);
    expectContinuous(packetSeries(), 1, 3);
    const active = rx.accepted().filter((s) => s.name === 'voipready_test_streams_active');
    expect(active.map((s) => s.value)).toEqual([1, 2, 0]);
    expect(active[0]?.labels).toEqual({ __name__: 'voipready_test_streams_active', site: 'hq', instance: 'pbx1' });
    await w.stop();
    expect(w.stats.targets[0]).toMatchObject({ sent: 6, failed: 0, dropped: 0, pending: 0, failing: false });
    const text = await self.metrics();
    expect(text).toMatch(/voipready_remote_write_samples_total\{target="http:\/\/127\.0\.0\.1:\d+\/api\/v1\/write",result="sent"\} 6/);
    expect(text).toMatch(/voipready_remote_write_queue_samples\{[^}]*\} 0/);
    expect(text).toMatch(/voipready_remote_write_last_success_timestamp_seconds\{[^}]*\} 1\d{9}/);
  });

  it('retries 500 and 429 with backoff, loses nothing, and logs failing and recovery once each', async () => {
    const { w, tick, logs } = setup();
    rx.mode = { kind: 'status', status: 500, body: 'tsdb busy' };
    w.start();
    await tick(2);
    await waitFor(() => rx.requests.length >= 2);
    rx.mode = { kind: 'status', status: 429, retryAfter: '0' };
    await tick(2);
    await waitFor(() => rx.requests.filter((r) => r.status === 429).length >= 2);
    expect(w.stats.targets[0]?.failing).toBe(true);
    rx.mode = { kind: 'ok' };
    await tick(1);
    await waitFor(() => packetSeries().length === 5);
    // the receiver stores the batch before the writer has read its answer: wait for the writer too
    await waitFor(() => w.stats.targets[0]?.failing === false);
    expectContinuous(packetSeries(), 1, 5);
    expect(logs.filter((l) => l.includes('pushing failed'))).toEqual([expect.stringContaining('HTTP 500: tsdb busy')]);
    expect(logs.filter((l) => l.includes('recovered'))).toHaveLength(1);
    expect(w.stats.targets[0]).toMatchObject({ failed: 0, dropped: 0, failing: false });
  });

  it('does not retry 401 or 400: counts the samples as failed, says why, and goes on', async () => {
    const { w, tick, logs, self } = setup();
    rx.mode = { kind: 'status', status: 401, body: 'unauthorized' };
    w.start();
    await tick(2);
    await waitFor(() => w.stats.targets[0]?.failed === 4);
    expect(rx.requests.filter((r) => r.status === 401)).toHaveLength(1); // both seconds in one batch, sent once
    expect(logs.join('\n')).toMatch(/rejected 4 samples \(HTTP 401: unauthorized\); not retried/);
    rx.mode = { kind: 'ok' };
    await tick(1);
    await waitFor(() => packetSeries().length === 1);
    expect(packetSeries()).toEqual([[T0 + 3000, 150]]);
    expect(await self.metrics()).toMatch(/result="failed"\} 4/);
  });

  it('explains samples too old for the receiver and points to the OpenMetrics backfill', async () => {
    const { w, tick, logs } = setup();
    rx.mode = { kind: 'status', status: 400, body: 'out of bounds' };
    w.start();
    await tick(3);
    await waitFor(() => (w.stats.targets[0]?.failed ?? 0) > 0);
    const msg = logs.find((l) => l.includes('too old'));
    expect(msg).toMatch(/analyze --openmetrics/);
    expect(msg).toMatch(/promtool tsdb create-blocks-from openmetrics/);
  });

  it('keeps everything while the receiver is down and delivers it in order when it returns', async () => {
    const { w, tick, logs, self } = setup();
    w.start();
    await tick(2);
    await waitFor(() => packetSeries().length === 2);
    await rx.down();
    await tick(20);
    await waitFor(() => w.stats.targets[0]?.failing === true);
    expect(logs.join('\n')).toMatch(/pushing failed: cannot reach the receiver: ECONNREFUSED/);
    expect(await self.metrics()).toMatch(/voipready_remote_write_oldest_sample_age_seconds\{[^}]*\} [1-9]/);
    await rx.up();
    await tick(2);
    await waitFor(() => packetSeries().length === 24);
    expectContinuous(packetSeries(), 1, 24);
    expect(w.stats.targets[0]?.dropped).toBe(0);
  });

  it('with a tiny buffer drops the oldest samples and counts them exactly', async () => {
    const { w, tick, self, logs } = setup({ maxQueuedSamples: 10 }); // 2 series: 5 seconds fit
    await rx.down();
    w.start();
    await tick(12);
    await rx.up();
    await waitFor(() => packetSeries().length === 5);
    expectContinuous(packetSeries(), 8, 12);
    expect(w.stats.targets[0]?.dropped).toBe(14); // seconds 1..7, two series each
    expect(await self.metrics()).toMatch(/result="dropped"\} 14/);
    expect(logs.join('\n')).toMatch(/queue full \(10 samples\)/);
  });

  it('gives up on a hanging receiver at the timeout, keeps the samples and stops within its deadline', async () => {
    const { w, tick, logs } = setup({ targets: [{ url: rx.url, timeoutMs: 150 }] });
    rx.mode = { kind: 'hang' };
    w.start();
    await tick(3);
    await waitFor(() => logs.some((l) => l.includes('no answer within 0.15 s')));
    expect(w.stats.targets[0]?.pending).toBe(6);
    const t = Date.now();
    await w.stop(300);
    expect(Date.now() - t).toBeLessThan(1500);
    expect(logs.join('\n')).toMatch(/6 samples not delivered .*lost \(no --state-dir\)/);
  });

  it('skips a sample that is not after the previous one (order is kept)', async () => {
    const { w, logs } = setup();
    await w.sample(T0 + 5000);
    await w.sample(T0 + 5000);
    await w.sample(T0 + 4000);
    expect(w.stats.queuedSamples).toBe(2);
    expect(logs.filter((l) => l.includes('not after the previous one'))).toHaveLength(2);
  });

  it('the pipeline listener samples once per capture second at that second', async () => {
    const { w } = setup();
    const l = remoteWriteListener(w);
    l.onSecond?.(Math.floor(T0 / 1000) + 10, {} as LiveView);
    await w.stop(100);
    expect(rx.accepted().map((s) => s.timestamp)).toEqual([0, 0].map(() => (Math.floor(T0 / 1000) + 10) * 1000));
  });
});

describe('remote writer credentials', () => {
  it('sends a bearer token from an environment variable or a file and never logs it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vr-rw-'));
    dirs.push(dir);
    const file = join(dir, 'token');
    writeFileSync(file, 'file-token-123\n');
    const fromEnv = setup({ targets: [{ url: rx.url, bearerTokenEnv: 'VR_TEST_TOKEN' }], env: { VR_TEST_TOKEN: 'env-token-456' } });
    await fromEnv.tick(1);
    await fromEnv.w.stop(500);
    const fromFile = setup({ targets: [{ url: rx.url, bearerTokenFile: file }] });
    await fromFile.tick(1);
    rx.mode = { kind: 'status', status: 401, body: 'bad token' };
    await fromFile.w.stop(500);
    expect(rx.requests.map((r) => r.headers.authorization)).toEqual(['Bearer env-token-456', 'Bearer file-token-123']);
    expect([...fromEnv.logs, ...fromFile.logs].join('\n')).not.toMatch(/token-\d/);
  });

  it('sends basic auth, from the URL or from username/passwordFile, without the password in the target name', async () => {
    const withUser = rx.url.replace('http://', 'http://alice:s3cret@');
    const { w, tick } = setup({ targets: [{ url: withUser }] });
    await tick(1);
    await w.stop(500);
    expect(rx.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
    expect(w.stats.targets[0]?.name).toBe(rx.url);
  });

  it('refuses to start when the token variable is missing (config error, no value shown)', () => {
    expect(() => setup({ targets: [{ url: rx.url, bearerTokenEnv: 'VR_TEST_NOT_SET' }], env: {} })).toThrow(/VR_TEST_NOT_SET \(bearer token\) is not set/);
  });
});
