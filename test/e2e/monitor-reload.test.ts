/**
 * SIGHUP on a running `voipready monitor --config FILE`: a good file is applied without a restart
 * (the thresholds /api/report grades against change, the run goes on), a broken one keeps the previous
 * configuration and says so on stderr and in metrics (voipready_config_reloads_total{outcome},
 * voipready_config_last_reload_successful), as Prometheus itself does.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleValue, startMonitor, type RunningMonitor } from '../helpers/monitor.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ok() && Date.now() < end) await sleep(25);
}

describe('monitor: SIGHUP reloads the configuration', () => {
  let dir = '';
  let mon: RunningMonitor;
  const api = async (): Promise<any> => (await fetch(`http://127.0.0.1:${mon.httpPort}/api/report`)).json();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vr-reload-'));
    writeFileSync(join(dir, 'voipready.yaml'), 'thresholds:\n  jitterMs: 30\n');
    mon = await startMonitor(['--hep-listen', '127.0.0.1:0', '--config', join(dir, 'voipready.yaml')], join(dir, 'report.json'));
  }, 30_000);

  afterAll(async () => {
    await mon?.stop();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('a good file is applied while running', async () => {
    expect((await api()).thresholds.jitterMs).toBe(30);
    writeFileSync(join(dir, 'voipready.yaml'), 'profile: starface\nthresholds:\n  jitterMs: 45\n  lossPercent: 5\n');
    mon.proc.kill('SIGHUP');
    await until(() => mon.stderr().includes('SIGHUP: reloaded'), 5000);
    expect(mon.stderr()).toMatch(/SIGHUP: reloaded .*voipready\.yaml \(profile starface\)/);
    const r = await api();
    expect(r.thresholds.jitterMs).toBe(45);
    expect(r.thresholds.lossPercent).toBe(5);
    expect(r.profile).toBe('starface');
    // the STARFACE port plan came with the profile
    expect(r.thresholds.rtpPorts).toEqual({ min: 10000, max: 20000 });
    const m = await mon.metrics();
    expect(sampleValue(m, 'voipready_config_reloads_total', { outcome: 'ok' })).toBe(1);
    expect(m).toMatch(/^voipready_config_last_reload_successful 1$/m);
  });

  it('a broken file keeps the previous configuration and says so', async () => {
    writeFileSync(join(dir, 'voipready.yaml'), 'profile: starfase\n');
    mon.proc.kill('SIGHUP');
    await until(() => mon.stderr().includes('not reloaded'), 5000);
    expect(mon.stderr()).toMatch(/SIGHUP: .*voipready\.yaml not reloaded, the previous configuration stays: .*starfase/);
    const r = await api();
    expect(r.thresholds.jitterMs).toBe(45);
    expect(r.profile).toBe('starface');
    const m = await mon.metrics();
    expect(sampleValue(m, 'voipready_config_reloads_total', { outcome: 'failed' })).toBe(1);
    expect(m).toMatch(/^voipready_config_last_reload_successful 0$/m);
    // still serving and collecting
    expect(mon.proc.exitCode).toBeNull();
  });
});
