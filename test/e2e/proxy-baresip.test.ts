/**
 * A second, independent user agent through `voipready proxy`: Debian's baresip 1.0 (headless: ausine
 * source, aubridge player, auto-answer) as the callee behind the proxy's upstream side; sipp calls it
 * from another namespace (uac_pcap: G.711 A-law from g711a.pcap). Both directions carry a real
 * stack's RTP, and baresip sends RTCP. Checked: the call completes, each stream reaching the proxy
 * has the packets, loss and jitter tshark finds for it in a capture of the same run, the SDP each
 * side got names only relay ports, and baresip's RTCP reaches the analysis through the relay.
 *
 *   ns caller: sipp uac 10.79.0.2 --veth--> ns pbx: voipready proxy 10.79.0.1:5060 --> baresip 10.79.0.1:5070
 *
 * (baresip 1.0 needs an interface with an address: it cannot run on loopback alone.) Needs root,
 * ip, baresip, sipp, dumpcap, tshark and a built dist/.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { Lab, missingForNetns, run } from '../helpers/netns.js';
import { compareStreams, type RefStream } from '../helpers/reference.js';
import { tsharkRtpStreams } from '../helpers/tshark.js';

const PBX = '10.79.0.1';
const PHONE = '10.79.0.2';
const SIPP_PCAPS = '/usr/share/sip-tester';
const BARESIP_MODULES = '/usr/lib/baresip/modules';

function whyNot(): string | null {
  const tools = missingForNetns(['ip', 'baresip', 'sipp', 'dumpcap', 'tshark', 'ss']);
  if (tools !== null) return tools;
  if (!existsSync(join(BARESIP_MODULES, 'ausine.so'))) return `${BARESIP_MODULES}/ausine.so absent (package baresip-core)`;
  if (!existsSync(join(SIPP_PCAPS, 'g711a.pcap'))) return `${SIPP_PCAPS}/g711a.pcap absent (package sip-tester)`;
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) return 'dist/ not built (npm run build)';
  return null;
}
const skip = whyNot();
if (skip !== null) process.stderr.write(`proxy-baresip e2e skipped: ${skip}\n`);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function baresipConfig(dir: string): string {
  const conf = join(dir, 'baresip');
  mkdirSync(conf, { recursive: true });
  writeFileSync(join(conf, 'config'), [
    'poll_method epoll', `sip_listen ${PBX}:5070`, 'audio_player aubridge,nil', 'audio_source ausine,440', 'audio_alert aubridge,nil',
    `module_path ${BARESIP_MODULES}`, 'module g711.so', 'module ausine.so', 'module aubridge.so', 'module_app account.so', 'module_app menu.so',
    'ausrc_srate 48000', 'auplay_srate 48000', 'ausrc_channels 2', 'auplay_channels 2', 'rtp_ports 16000-16099', 'rtcp_mux no', '',
  ].join('\n'));
  writeFileSync(join(conf, 'accounts'), `<sip:pbx@${PBX}>;regint=0;answermode=auto;audio_codecs=PCMA\n`);
  return conf;
}

describe.skipIf(skip !== null)(`sipp calls baresip through voipready proxy${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab | undefined;
  let dir = '';
  let report: any;
  let uacExit: number | null = null;
  let tshark: RefStream[] = [];
  let rtcpFromBaresip = 0;
  let sdpPorts: number[] = [];
  let logs = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vr-proxy-baresip-'));
    symlinkSync(SIPP_PCAPS, join(dir, 'pcap'));
    lab = Lab.create(['phone', 'pbx'], 'vrdly');
    const [phone, pbx] = [lab.ns('phone'), lab.ns('pbx')];
    lab.link({ ns: phone, dev: 'vphone', cidr: `${PHONE}/24` }, { ns: pbx, dev: 'vpbx', cidr: `${PBX}/24` });
    const capture = join(dir, 'pbx.pcapng');
    const dump = lab.spawn(pbx, ['dumpcap', '-q', '-i', 'vpbx', '-i', 'lo', '-f', 'udp', '-w', capture], { name: 'dumpcap' });
    await dump.waitFor(/Capturing on/, 10_000);
    const bs = lab.spawn(pbx, ['baresip', '-f', baresipConfig(dir), '-t', '40'], { name: 'baresip' });
    const reportFile = join(dir, 'report.json');
    const proxy = lab.spawn(pbx, [process.execPath, join(ROOT, 'bin', 'voipready'), 'proxy', '--listen', `${PBX}:5060`, '--upstream', `${PBX}:5070`,
      '--rtp-ports', '40000-40099', '--grace', '1', '--report', reportFile, '--json'], { name: 'proxy' });
    await proxy.waitFor(/proxy on udp\+tcp/, 15_000);
    const end = Date.now() + 10_000;
    while (!lab.exec(pbx, ['ss', '-Hlun', 'sport = :5070']).includes(':5070') && Date.now() < end) await sleep(100);
    const uac = lab.spawn(phone, ['sipp', `${PBX}:5060`, '-sn', 'uac_pcap', '-s', 'pbx', '-i', PHONE, '-mi', PHONE, '-mp', '20000', '-p', '5080',
      '-m', '1', '-nostdin', '-timeout', '40s'], { cwd: dir, name: 'sipp uac' });
    uacExit = await uac.wait(45_000);
    await sleep(500);
    await proxy.stop('SIGTERM', 15_000);
    await bs.stop('SIGTERM', 5_000);
    await dump.stop('SIGINT', 5_000);
    logs = `${proxy.stderr.slice(-1500)}\n${bs.stdout.slice(-1500)}${bs.stderr.slice(-500)}\n${uac.stdout.slice(-800)}`;
    report = JSON.parse(readFileSync(reportFile, 'utf8'));
    tshark = tsharkRtpStreams(capture, false).map((s) => ({
      src: s.src, dst: s.dst, ssrc: `0x${s.ssrc.toString(16).padStart(8, '0')}`, packets: s.packets, lost: s.lost,
      jitterMeanMs: s.meanJitterMs, jitterMaxMs: s.maxJitterMs, maxDeltaMs: s.maxDeltaMs,
    }));
    // RTCP that baresip sent to the relay (its RTP port + 1 is in 16000-16099)
    rtcpFromBaresip = run(['tshark', '-n', '-r', capture, '-d', 'udp.port==16001,rtcp', '-Y', `rtcp && udp.srcport >= 16000 && udp.srcport <= 16099 && udp.dstport >= 40000`,
      '-T', 'fields', '-e', 'frame.number'], 60_000).split('\n').filter((l) => l !== '').length;
    sdpPorts = run(['tshark', '-n', '-r', capture, '-Y', 'sdp && udp.srcport == 5060', '-T', 'fields', '-e', 'sdp.media.port'], 60_000)
      .split('\n').filter((l) => l !== '').map((l) => Number(l.split(',')[0]));
  }, 100_000);

  afterAll(async () => {
    await lab?.destroy();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('the call is answered by baresip and completes for sipp', () => {
    expect(uacExit, logs).toBe(0);
    const calls = report.calls as any[];
    expect(calls).toHaveLength(1);
    expect(calls[0].finalStatus).toBe(200);
  });

  it('each side was told only relay ports in the SDP the proxy sent', () => {
    expect(sdpPorts.length).toBeGreaterThanOrEqual(2);
    for (const p of sdpPorts) expect(p >= 40000 && p <= 40099).toBe(true);
  });

  it('every voice stream reaching the proxy, from sipp and from baresip, has tshark\'s packets, loss and jitter', () => {
    const streams = (report.streams as any[]).filter((s) => s.payloadType === 8);
    const fromBaresip = streams.filter((s) => s.src.startsWith(`${PBX}:160`));
    const fromSipp = streams.filter((s) => s.src.startsWith(`${PHONE}:`));
    expect(fromBaresip).toHaveLength(1);
    expect(fromSipp).toHaveLength(1);
    expect(fromBaresip[0].packets).toBeGreaterThan(100);
    const ref = tshark.filter((t) => streams.some((s) => s.src === t.src && s.dst === t.dst && s.ssrc === t.ssrc));
    expect(ref).toHaveLength(2);
    expect(compareStreams(streams, ref, { dscp: false })).toEqual([]);
  });

  it('baresip\'s RTCP goes through the relay into the analysis', () => {
    expect(rtcpFromBaresip).toBeGreaterThan(0);
    const fromBaresip = (report.streams as any[]).find((s) => s.payloadType === 8 && s.src.startsWith(`${PBX}:160`));
    expect(fromBaresip.rtcp?.senderReports ?? 0).toBeGreaterThan(0);
  });

  it('no segment RTT is made up: sipp sends no RTCP, so no SR is echoed on either leg and no stream gets proxy-rtcp', () => {
    expect(report.proxy.rttMs).toEqual({ 'a-leg': null, 'b-leg': null });
    for (const s of report.streams) expect(s.delay?.method ?? null).not.toBe('proxy-rtcp');
  });
});
