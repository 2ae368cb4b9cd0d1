/**
 * The active ALG check on the dashboard, end to end with the real components: alg-check and nat-check
 * (inside a router namespace: plain MASQUERADE first, then MASQUERADE + the kernel's SIP helper,
 * nf_nat_sip) write `--textfile` into a directory that Debian's prometheus-node-exporter serves with
 * its textfile collector; a real Prometheus scrapes node_exporter, and the "Active ALG check" row's
 * panel queries must return what alg-check's own --json said (plain NAT: alg_detected 0, no field
 * rewritten; the kernel ALG: 1, the same fields, fingerprint linux_nf_nat_sip). A check that cannot
 * reach its echo shows as success 0. And `--remote-write` into the same Prometheus (remote_write
 * receiver), on loopback. Namespaces are named vralg-*.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { createAlgLab, kernelHasSipHelper, OUTSIDE_IP, ROUTER_OUT_IP, type AlgLab } from '../helpers/alg-lab.js';
import { missingForNetns } from '../helpers/netns.js';
import { ALG_CHECK_ROW, dashboardQueries, freePort, havePrometheus, instantQuery, startPrometheus, waitFor, type RunningPrometheus } from '../helpers/prometheus.js';

const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
const missing = missingForNetns(['ip', 'iptables'])
  ?? (havePrometheus ? null : 'no prometheus')
  ?? (existsSync(NODE_EXPORTER) ? null : 'no prometheus-node-exporter (Debian package)')
  ?? (kernelHasSipHelper() ? null : 'the kernel has no SIP conntrack helper (nf_conntrack_sip)');

/** the verdict's field names as the metric's field label (the closed set of alg-check-metrics.ts) */
const FIELD: Record<string, string> = { Via: 'via', Contact: 'contact', From: 'from', To: 'to', 'Call-ID': 'call_id', 'Request-URI': 'request_uri', 'c=': 'sdp_c', 'o=': 'sdp_o', 'm= port': 'sdp_m_port', 'Content-Length': 'content_length' };

interface Run { status: number | null; json: any; stderr: string }

/** one command inside the lab's inside namespace, alg-echo (with STUN) running outside */
async function inside(l: AlgLab, args: string[]): Promise<Run> {
  const p = l.lab.spawn(l.inside, [process.execPath, BIN, ...args], { name: args[0] });
  const status = await p.wait(30_000);
  let json: any = null;
  try {
    json = JSON.parse(p.stdout);
  } catch {
    // not every run prints JSON (a failed check prints nothing on stdout)
  }
  return { status, json, stderr: p.stderr };
}

async function startEcho(l: AlgLab): Promise<void> {
  const echo = l.lab.spawn(l.outside, [process.execPath, BIN, 'alg-echo', '--listen', `${OUTSIDE_IP}:5060`, '--stun-server'], { name: 'alg-echo' });
  await echo.waitFor(/listening/, 15_000);
}

const instant = async (prom: RunningPrometheus, expr: string): Promise<Array<{ metric: Record<string, string>; value: number }>> => {
  const r = await instantQuery(prom.url, expr);
  expect(r.status, `${expr}: ${r.error ?? ''}`).toBe('success');
  return (r.data?.result ?? []).map((x) => ({ metric: x.metric, value: Number(x.value?.[1]) }));
};

/** waits until Prometheus holds the run's last-run timestamp `expr` at or after `afterSec` (this run's textfile, not an older one) */
async function scrapedAfter(prom: RunningPrometheus, expr: string, afterSec: number): Promise<void> {
  await waitFor(async () => (await instant(prom, `max(${expr}) >= ${Math.floor(afterSec)}`)).length > 0, 20_000, () => `Prometheus never scraped ${expr} after ${afterSec}`);
}

describe.skipIf(missing !== null)(`alg-check / nat-check --textfile through node_exporter into Prometheus${missing !== null ? ` — skipped: ${missing}` : ''}`, () => {
  let plain: AlgLab;
  let withHelper: AlgLab;
  let prom: RunningPrometheus;
  let exporter: ChildProcess;
  let textDir: string;
  const cfg = join(tmpdir(), `vralg-cfg-${process.pid}.yaml`);
  const checkArgs = (transport = 'udp'): string[] => ['alg-check', '--server', `${OUTSIDE_IP}:5060`, '--transport', transport, '--config', cfg, '--json', '--textfile', join(textDir, `alg-check-${transport}.prom`)];

  beforeAll(async () => {
    textDir = mkdtempSync(join(tmpdir(), 'vralg-textfile-'));
    writeFileSync(cfg, 'site: branch1\n');
    plain = createAlgLab({ masquerade: true, sipHelper: false, prefix: 'vralg' });
    withHelper = createAlgLab({ masquerade: true, sipHelper: true, prefix: 'vralg' });
    const port = await freePort();
    exporter = spawn(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${port}`, '--collector.disable-defaults', '--collector.textfile',
      `--collector.textfile.directory=${textDir}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    exporter.stderr?.on('data', (d: Buffer) => { log = (log + d.toString()).slice(-4000); });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).ok, 15_000, () => `node_exporter did not start: ${log}`);
    prom = await startPrometheus({ targets: [`127.0.0.1:${port}`], scrapeIntervalSeconds: 1, remoteWriteReceiver: true });
  }, 90_000);

  afterAll(async () => {
    await prom?.stop();
    if (exporter?.pid !== undefined && exporter.exitCode === null) process.kill(exporter.pid, 'SIGTERM');
    for (const l of [plain, withHelper]) {
      if (l === undefined) continue;
      await l.lab.destroy();
      rmSync(l.dir, { recursive: true, force: true });
    }
    rmSync(textDir, { recursive: true, force: true });
    rmSync(cfg, { force: true });
  });

  it('plain MASQUERADE: alg_detected 0, no field rewritten, fingerprint none; nat-check: port-restricted NAT, binding kept', async () => {
    await startEcho(plain);
    const t0 = Date.now() / 1000;
    const alg = await inside(plain, checkArgs());
    expect(alg.status, alg.stderr).toBe(0);
    expect(alg.json.algPresent).toBe(false);
    const nat = await inside(plain, ['nat-check', '--stun', `${OUTSIDE_IP}:3478`, '--lifetime', '1', '--json', '--config', cfg, '--textfile', join(textDir, 'nat-check.prom')]);
    expect(nat.status, nat.stderr).toBe(0);
    // the temporary files are gone: only the two .prom files the collector reads
    expect(readdirSync(textDir).sort()).toEqual(['alg-check-udp.prom', 'nat-check.prom']);
    await scrapedAfter(prom, 'voipready_alg_check_last_run_timestamp_seconds', t0);
    await scrapedAfter(prom, 'voipready_nat_check_last_run_timestamp_seconds', t0);
    const sel = `{site="branch1",server="${OUTSIDE_IP}:5060",transport="udp"}`;
    expect((await instant(prom, `voipready_alg_check_success${sel}`)).map((s) => s.value)).toEqual([1]);
    expect((await instant(prom, `voipready_alg_check_alg_detected${sel}`)).map((s) => s.value)).toEqual([0]);
    expect((await instant(prom, `voipready_alg_check_fingerprint${sel} == 1`)).map((s) => s.metric.fingerprint)).toEqual(['none']);
    expect(await instant(prom, `count(voipready_alg_check_rewritten_fields${sel})`)).toEqual([{ metric: {}, value: 22 }]);
    expect(await instant(prom, `voipready_alg_check_rewritten_fields${sel} > 0`)).toEqual([]);
    // nat-check: what its own --json said (Linux MASQUERADE keeps the port: endpoint-independent; conntrack filters the other port)
    expect(nat.json.mappingBehaviour).toBe('endpoint-independent');
    expect(nat.json.changePortAnswered).toBe(false);
    expect((await instant(prom, 'voipready_nat_check_nat_type{site="branch1"} == 1')).map((s) => s.metric.nat_type)).toEqual(['port_restricted']);
    expect((await instant(prom, 'voipready_nat_check_mapping_stable')).map((s) => s.value)).toEqual([1]);
    expect((await instant(prom, 'voipready_nat_check_filtering_open')).map((s) => s.value)).toEqual([0]);
    expect((await instant(prom, 'voipready_nat_check_public_address_info')).map((s) => s.metric.address)).toEqual([ROUTER_OUT_IP]);
    expect((await instant(prom, 'voipready_nat_check_mapped_port')).map((s) => s.value)).toEqual([nat.json.mapped.port]);
    expect((await instant(prom, 'voipready_nat_check_binding_kept')).map((s) => s.value)).toEqual([nat.json.lifetime.kept ? 1 : 0]);
  }, 90_000);

  it('MASQUERADE + the kernel SIP helper: the same series flip to 1, the fields alg-check reported, fingerprint linux_nf_nat_sip; every panel of the row has data', async () => {
    await startEcho(withHelper);
    const t0 = Date.now() / 1000;
    const alg = await inside(withHelper, checkArgs());
    expect(alg.status, alg.stderr).toBe(1);
    expect(alg.json.fingerprint.box).toBe('Linux nf_nat_sip (consumer router, OpenWrt)');
    await scrapedAfter(prom, 'voipready_alg_check_last_run_timestamp_seconds', t0);
    const sel = `{site="branch1",server="${OUTSIDE_IP}:5060",transport="udp"}`;
    expect((await instant(prom, `voipready_alg_check_alg_detected${sel}`)).map((s) => s.value)).toEqual([1]);
    // the state set flipped: linux_nf_nat_sip 1, none (the plain NAT run's state) now 0
    expect((await instant(prom, `voipready_alg_check_fingerprint${sel} == 1`)).map((s) => s.metric.fingerprint)).toEqual(['linux_nf_nat_sip']);
    expect((await instant(prom, `voipready_alg_check_fingerprint{fingerprint="none"}`)).map((s) => s.value)).toEqual([0]);
    // the rewritten fields on the dashboard are exactly those alg-check's --json names, per direction
    const expected = (fields: string[], direction: string): string[] => [...new Set(fields.map((f) => `${direction} ${FIELD[f] ?? 'other'}`))];
    const want = [...expected(alg.json.outbound, 'outbound'), ...expected(alg.json.inbound, 'inbound')].sort();
    expect(want).toContain('outbound via');
    expect(want).toContain('outbound sdp_c');
    const got = (await instant(prom, `voipready_alg_check_rewritten_fields${sel} > 0`)).map((s) => `${s.metric.direction} ${s.metric.field}`).sort();
    expect(got).toEqual(want);
    // the dashboard's own queries (Grafana variables replaced as the other dashboard tests do)
    const queries = dashboardQueries('dashboards/grafana').filter((q) => q.row === ALG_CHECK_ROW);
    expect(queries.map((q) => q.panel)).toEqual(['SIP ALG (active test)', 'Fields rewritten (active test)', 'Fingerprint', 'Check ran', 'Last run age', 'Last run age', 'NAT type', 'NAT binding after idle']);
    for (const q of queries) {
      const rows = await instant(prom, q.expr);
      expect(rows.length, `${q.panel}: ${q.expr} returned nothing`).toBeGreaterThan(0);
    }
    const verdict = await instant(prom, queries[0]!.expr);
    expect(verdict).toEqual([{ metric: { server: `${OUTSIDE_IP}:5060`, transport: 'udp' }, value: 1 }]);
    const ages = await instant(prom, queries[4]!.expr);
    expect(ages[0]!.value).toBeGreaterThanOrEqual(0);
    expect(ages[0]!.value).toBeLessThan(120);
  }, 90_000);

  it('a check that cannot reach its echo: exit 7, success 0 on the dashboard (a second textfile, merged by the collector)', async () => {
    const t0 = Date.now() / 1000;
    // nothing listens on TCP 5061 outside: connection refused
    const alg = await inside(withHelper, ['alg-check', '--server', `${OUTSIDE_IP}:5061`, '--transport', 'tcp', '--timeout', '1s', '--config', cfg, '--textfile', join(textDir, 'alg-check-down.prom')]);
    expect(alg.status).toBe(7);
    expect(alg.stderr).toMatch(/alg-check: cannot connect/);
    await scrapedAfter(prom, `voipready_alg_check_last_run_timestamp_seconds{server="${OUTSIDE_IP}:5061"}`, t0);
    const ran = dashboardQueries('dashboards/grafana').find((q) => q.row === ALG_CHECK_ROW && q.panel === 'Check ran')!;
    const rows = (await instant(prom, ran.expr)).map((s) => `${s.metric.server}/${s.metric.transport} ${s.value}`).sort();
    expect(rows).toEqual([`${OUTSIDE_IP}:5060/udp 1`, `${OUTSIDE_IP}:5061/tcp 0`]);
    // no verdict for a check that did not run
    expect(await instant(prom, `voipready_alg_check_alg_detected{server="${OUTSIDE_IP}:5061"}`)).toEqual([]);
  }, 60_000);

  it('--remote-write: the run pushed into Prometheus\' remote_write receiver (loopback, no NAT: nothing rewritten)', async () => {
    const port = await freePort();
    const echo = spawn(process.execPath, [BIN, 'alg-echo', '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      let err = '';
      echo.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
      await waitFor(async () => /listening/.test(err), 15_000, () => `alg-echo: ${err}`);
      const p = spawnSync(process.execPath, [BIN, 'alg-check', '--server', `127.0.0.1:${port}`, '--local-port', '0', '--config', cfg, '--json',
        '--remote-write', `${prom.url}/api/v1/write`], { encoding: 'utf8', timeout: 30_000 });
      expect(p.status, p.stderr).toBe(0);
      expect(JSON.parse(p.stdout).algPresent).toBe(false);
      const sel = `{site="branch1",server="127.0.0.1:${port}",transport="udp"}`;
      await waitFor(async () => (await instant(prom, `voipready_alg_check_success${sel}`)).length > 0, 10_000, () => 'the pushed series never arrived');
      expect((await instant(prom, `voipready_alg_check_success${sel}`)).map((s) => s.value)).toEqual([1]);
      expect((await instant(prom, `voipready_alg_check_alg_detected${sel}`)).map((s) => s.value)).toEqual([0]);
      expect((await instant(prom, `voipready_alg_check_fingerprint${sel} == 1`)).map((s) => s.metric.fingerprint)).toEqual(['none']);
      // the dashboard's queries read it too (last_over_time: a pushed run is one sample)
      const verdict = dashboardQueries('dashboards/grafana').find((q) => q.row === ALG_CHECK_ROW && q.panel === 'SIP ALG (active test)')!;
      expect((await instant(prom, verdict.expr)).find((s) => s.metric.server === `127.0.0.1:${port}`)?.value).toBe(0);
      // a receiver that is not there: the result is still printed, then exit 8 naming the push
      const down = await freePort();
      const q = spawnSync(process.execPath, [BIN, 'alg-check', '--server', `127.0.0.1:${port}`, '--local-port', '0', '--config', cfg,
        '--remote-write', `http://127.0.0.1:${down}/api/v1/write`, '--remote-write-timeout', '2s'], { encoding: 'utf8', timeout: 30_000 });
      expect(q.stdout).toContain('no rewriting seen');
      expect(q.stderr).toMatch(/cannot push the metrics \(--remote-write\): not delivered/);
      expect(q.status).toBe(8);
    } finally {
      if (echo.pid !== undefined && echo.exitCode === null) process.kill(echo.pid, 'SIGTERM');
    }
  }, 60_000);
});
