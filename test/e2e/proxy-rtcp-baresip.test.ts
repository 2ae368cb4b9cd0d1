/**
 * proxy-rtcp end to end: baresip calls baresip through the real `voipready proxy`, both send RTCP
 * (SR with report blocks), so the proxy sees each side's SR forwarded and echoed back on the other
 * leg: both segments get an RTT, and each stream's one-way delay is RTT_A/2 + the proxy p50 + RTT_B/2.
 * The veth/loopback segments have no added delay: RTTs are small (under 5 ms), the figure is checked
 * against its parts and the proxy section's own numbers.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { Lab, missingForNetns } from '../helpers/netns.js';

const PBX = '10.79.0.1';
const PHONE = '10.79.0.2';
const BARESIP_MODULES = '/usr/lib/baresip/modules';

function whyNot(): string | null {
  const tools = missingForNetns(['ip', 'baresip', 'ss']);
  if (tools !== null) return tools;
  if (!existsSync(join(BARESIP_MODULES, 'ausine.so'))) return `${BARESIP_MODULES}/ausine.so absent (package baresip-core)`;
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) return 'dist/ not built (npm run build)';
  return null;
}
const skip = whyNot();
if (skip !== null) process.stderr.write(`proxy-rtcp-baresip e2e skipped: ${skip}\n`);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function baresipConfig(dir: string, name = 'baresip', listen = `${PBX}:5070`, ports = '16000-16099', user = 'pbx', ip = PBX): string {
  const conf = join(dir, name);
  mkdirSync(conf, { recursive: true });
  writeFileSync(join(conf, 'config'), [
    'poll_method epoll', `sip_listen ${listen}`, 'audio_player aubridge,nil', 'audio_source ausine,440', 'audio_alert aubridge,nil',
    `module_path ${BARESIP_MODULES}`, 'module g711.so', 'module ausine.so', 'module aubridge.so', 'module_app account.so', 'module_app menu.so',
    'ausrc_srate 48000', 'auplay_srate 48000', 'ausrc_channels 2', 'auplay_channels 2', `rtp_ports ${ports}`, 'rtcp_mux no', '',
  ].join('\n'));
  writeFileSync(join(conf, 'accounts'), `<sip:${user}@${ip}>;regint=0;answermode=auto;audio_codecs=PCMA\n`);
  return conf;
}

describe.skipIf(skip !== null)(`baresip calls baresip through voipready proxy: segment RTTs and proxy-rtcp${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab | undefined;
  let dir = '';
  let report: any;
  let logs = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vr-proxy-rtcp-'));
    lab = Lab.create(['phone', 'pbx'], 'vrdly');
    const [phone, pbx] = [lab.ns('phone'), lab.ns('pbx')];
    lab.link({ ns: phone, dev: 'vphone', cidr: `${PHONE}/24` }, { ns: pbx, dev: 'vpbx', cidr: `${PBX}/24` });
    const callee = lab.spawn(pbx, ['baresip', '-f', baresipConfig(dir), '-t', '40'], { name: 'baresip callee' });
    const reportFile = join(dir, 'report.json');
    const proxy = lab.spawn(pbx, [process.execPath, join(ROOT, 'bin', 'voipready'), 'proxy', '--listen', `${PBX}:5060`, '--upstream', `${PBX}:5070`,
      '--rtp-ports', '40000-40099', '--grace', '1', '--report', reportFile, '--json'], { name: 'proxy' });
    await proxy.waitFor(/proxy on udp\+tcp/, 15_000);
    const end = Date.now() + 10_000;
    while (!lab.exec(pbx, ['ss', '-Hlun', 'sport = :5070']).includes(':5070') && Date.now() < end) await sleep(100);
    const caller = lab.spawn(phone, ['baresip', '-f', baresipConfig(dir, 'caller', `${PHONE}:5080`, '18000-18099', 'phone', PHONE), '-t', '25', '-e', `/dial sip:pbx@${PBX}:5060`], { name: 'baresip caller' });
    await caller.wait(35_000);
    await sleep(500);
    await proxy.stop('SIGTERM', 15_000);
    await callee.stop('SIGTERM', 5_000);
    logs = `${proxy.stderr.slice(-1500)}\n${caller.stdout.slice(-1500)}${caller.stderr.slice(-500)}`;
    report = JSON.parse(readFileSync(reportFile, 'utf8'));
    // the figures, for the record of the run
    process.stderr.write(`proxy-rtcp e2e: rttMs ${JSON.stringify(report.proxy.rttMs)}; delays ${JSON.stringify((report.streams as any[]).map((s) => [s.src, s.delay]))}\n`);
  }, 100_000);

  afterAll(async () => {
    await lab?.destroy();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('both segments have an RTT from echoed SRs, small on these unimpaired links', () => {
    const rtt = report.proxy.rttMs;
    for (const leg of ['a-leg', 'b-leg']) {
      expect(rtt[leg], `${leg}\n${logs}`).not.toBeNull();
      expect(rtt[leg].samples).toBeGreaterThan(0);
      expect(rtt[leg].meanMs).toBeGreaterThanOrEqual(0);
      expect(rtt[leg].meanMs).toBeLessThan(5);
    }
  });

  it('each voice stream\'s one-way delay is proxy-rtcp, the sum of its parts and of the proxy\'s own figures', () => {
    const voice = (report.streams as any[]).filter((s) => s.payloadType === 8 && s.packets > 100);
    expect(voice.length, logs).toBe(2);
    for (const s of voice) {
      expect(s.delay.method).toBe('proxy-rtcp');
      const p = s.delay.parts;
      expect(p.segmentAMs).toBeCloseTo(report.proxy.rttMs['a-leg'].meanMs / 2, 2);
      expect(p.segmentBMs).toBeCloseTo(report.proxy.rttMs['b-leg'].meanMs / 2, 2);
      const leg = s.src.startsWith(`${PHONE}:`) ? 'a-leg' : 'b-leg';
      expect(p.proxyMs).toBeCloseTo(report.proxy.addedDelayMs[leg]?.p50 ?? 0, 3);
      expect(s.delay.oneWayMs).toBeCloseTo(p.segmentAMs + p.proxyMs + p.segmentBMs, 2);
      expect(s.mouthToEar.networkMs).toBeCloseTo(s.delay.oneWayMs, 3);
    }
  });
});
