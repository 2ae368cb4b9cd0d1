/**
 * SIP over TLS on the proxy's listen side: a phone (test/helpers/tls-phone.mjs) calls over TLS with a
 * self-signed certificate made by openssl for the test; the proxy terminates TLS and relays to a
 * sipp UAS over UDP (the echo sends the RTP back). Checked: the call is answered and hung up over
 * TLS, Record-Route names the TLS port with transport=tls, the media flows both ways through the
 * relay, and the report has the call's SIP in clear (transport tls) with the phone's stream measured.
 * In a namespace the test creates; needs root, ip, openssl, sipp and a built dist/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { Lab, missingForNetns } from '../helpers/netns.js';

const LO = '127.0.0.1';
const SIP_PORT = 5060;
const TLS_PORT = 5061;
const UAS_PORT = 5070;
const PACKETS = 100;

function whyNot(): string | null {
  const tools = missingForNetns(['ip', 'openssl', 'sipp', 'ss']);
  if (tools !== null) return tools;
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) return 'dist/ not built (npm run build)';
  return null;
}
const skip = whyNot();
if (skip !== null) process.stderr.write(`proxy-tls e2e skipped: ${skip}\n`);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(skip !== null)(`SIP over TLS through voipready proxy${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab | undefined;
  let dir = '';
  let phone: any;
  let report: any;
  let stderr = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vr-proxy-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=voipready-test',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore', timeout: 30_000 });
    lab = Lab.create(['tls']);
    const ns = lab.ns('tls');
    const reportFile = join(dir, 'report.json');
    const proxy = lab.spawn(ns, [process.execPath, join(ROOT, 'bin', 'voipready'), 'proxy', '--listen', `${LO}:${SIP_PORT}`, '--upstream', `${LO}:${UAS_PORT}`,
      '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem'), '--rtp-ports', '40000-40099', '--grace', '1', '--report', reportFile, '--json'], { name: 'proxy' });
    await proxy.waitFor(/proxy on udp\+tcp/, 15_000);
    const uas = lab.spawn(ns, ['sipp', '-sf', join(ROOT, 'test', 'e2e', 'sipp', 'uas-rr.xml'), '-rtp_echo', '-i', LO, '-mi', LO, '-mp', '16000',
      '-p', String(UAS_PORT), '-m', '1', '-nostdin', '-timeout', '30s'], { cwd: dir, name: 'sipp uas' });
    const end = Date.now() + 5000;
    while (!lab.exec(ns, ['ss', '-Hlun', `sport = :${UAS_PORT}`]).includes(`:${UAS_PORT}`) && Date.now() < end) await sleep(50);
    const ph = lab.spawn(ns, [process.execPath, join(ROOT, 'test', 'helpers', 'tls-phone.mjs'), '--proxy', `${LO}:${TLS_PORT}`, '--service', 'uas',
      '--rtp-port', '20000', '--packets', String(PACKETS)], { name: 'tls phone' });
    await ph.wait(30_000);
    await uas.wait(5_000);
    await proxy.stop('SIGTERM', 15_000);
    stderr = proxy.stderr;
    phone = JSON.parse(ph.stdout.trim().split('\n').pop() ?? '{}');
    report = JSON.parse(readFileSync(reportFile, 'utf8'));
  }, 90_000);

  afterAll(async () => {
    await lab?.destroy();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('the proxy says it listens for TLS; the phone\'s call is answered and hung up over TLS', () => {
    expect(stderr).toMatch(new RegExp(`tls ${LO}:${TLS_PORT}`));
    expect(phone.error, stderr.slice(-1500)).toBeUndefined();
    expect(phone.statuses).toContain(200);
    expect(phone.byeStatus).toBe(200);
    // the phone is told to reach the proxy on its TLS port over TLS (and the UAS side over UDP: two entries, RFC 5658)
    expect(phone.recordRoute.some((r: string) => r.includes(`${LO}:${TLS_PORT};transport=tls;lr`))).toBe(true);
    expect(phone.recordRoute.some((r: string) => r.includes(`${LO}:${SIP_PORT};transport=udp;lr`))).toBe(true);
  });

  it('media flows both ways through the relay, and the phone\'s stream is measured from the TLS call\'s SDP', () => {
    expect(phone.relayPort).toBeGreaterThanOrEqual(40000);
    expect(phone.relayPort).toBeLessThanOrEqual(40099);
    expect(phone.rtpSent).toBe(PACKETS);
    expect(phone.rtpReceived).toBeGreaterThanOrEqual(PACKETS - 2);
    const fromPhone = (report.streams as any[]).find((s) => s.ssrc === '0x7e57c0de' && /:20000$/.test(s.src));
    expect(fromPhone).toBeDefined();
    expect(fromPhone.packets).toBe(PACKETS);
    expect(fromPhone.lost).toBe(0);
  });

  it('the report has the call\'s SIP in clear, over tls, answered and ended', () => {
    const calls = report.calls as any[];
    expect(calls).toHaveLength(1);
    expect(calls[0].finalStatus).toBe(200);
    expect(calls[0].state).toBe('ended');
    expect(['tls', 'mixed']).toContain(calls[0].transport);
  });
});
