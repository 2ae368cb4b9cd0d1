/**
 * `voipready proxy` in front of a real registrar and proxy: Debian's kamailio 5.6 (tm, rr, usrloc,
 * registrar, nathelper; UDP and TCP) as the upstream "PBX", in a namespace the test creates.
 *
 *   callee phone REGISTERs through voipready -> kamailio stores it with received = voipready
 *   sipp uac (caller) --INVITE over 1300 bytes--> voipready --TCP--> kamailio --lookup--> voipready --> sipp uas
 *
 * So one call passes the proxy twice (a spiral: out to the PBX and back in, same Call-ID and tags,
 * as a call between two pilot phones does), and the large INVITE must go to kamailio over TCP
 * (RFC 3261 18.1.1). Checked: the call completes for both sipp instances, the report shows the
 * registration, the INVITE went over TCP (kamailio's own log of the transport), both legs' media is
 * relayed without loss and measured on every leg, and the call ends with the BYE.
 * Needs root, ip, kamailio, sipp and a built dist/.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { Lab, missingForNetns } from '../helpers/netns.js';

const LO = '127.0.0.1';
const PROXY_PORT = 5060;
const KAM_PORT = 5070;
const UAC_PORT = 5080;
const UAS_PORT = 5090;
const SIPP_PCAPS = '/usr/share/sip-tester';
const MODULES = '/usr/lib/x86_64-linux-gnu/kamailio/modules';
const SCENARIOS = join(ROOT, 'test', 'e2e', 'sipp');

function whyNot(): string | null {
  const tools = missingForNetns(['ip', 'kamailio', 'sipp', 'ss']);
  if (tools !== null) return tools;
  if (!existsSync(join(MODULES, 'registrar.so'))) return `${MODULES}/registrar.so absent (package kamailio)`;
  if (!existsSync(join(SIPP_PCAPS, 'g711a.pcap'))) return `${SIPP_PCAPS}/g711a.pcap absent (package sip-tester)`;
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) return 'dist/ not built (npm run build)';
  return null;
}
const skip = whyNot();
if (skip !== null) process.stderr.write(`proxy-kamailio e2e skipped: ${skip}\n`);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function kamailioConfig(): string {
  return `#!KAMAILIO
debug=2
log_stderror=yes
children=2
tcp_children=2
auto_aliases=no
listen=udp:${LO}:${KAM_PORT}
listen=tcp:${LO}:${KAM_PORT}
mpath="${MODULES}/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "maxfwd.so"
loadmodule "siputils.so"
loadmodule "textops.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "nathelper.so"
loadmodule "xlog.so"
loadmodule "pv.so"
modparam("usrloc", "db_mode", 0)
modparam("nathelper", "received_avp", "$avp(RECEIVED)")
modparam("registrar", "received_avp", "$avp(RECEIVED)")
request_route {
  xlog("L_NOTICE", "VRTEST $rm over $pr from $si:$sp\\n");
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (is_method("CANCEL")) { if (t_check_trans()) t_relay(); exit; }
  if (has_totag()) {
    if (loose_route()) { t_relay(); exit; }
    if (is_method("ACK")) { if (t_check_trans()) t_relay(); exit; }
    sl_send_reply("404", "Not here"); exit;
  }
  if (is_method("REGISTER")) { fix_nated_register(); if (!save("location")) sl_reply_error(); exit; }
  if (is_method("INVITE")) record_route();
  if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }
  t_relay();
}
`;
}

/** the callee's REGISTER, from its own SIP port, through the proxy (as a phone configured with voipready as outbound proxy) */
async function register(lab: Lab, ns: string): Promise<string> {
  const script = `
const s = require('node:dgram').createSocket('udp4');
s.bind(${UAS_PORT}, '${LO}', () => {
  const msg = ['REGISTER sip:${LO}:${KAM_PORT} SIP/2.0', 'Via: SIP/2.0/UDP ${LO}:${UAS_PORT};branch=z9hG4bKreg1;rport', 'Max-Forwards: 70',
    'From: <sip:uas@${LO}:${KAM_PORT}>;tag=r1', 'To: <sip:uas@${LO}:${KAM_PORT}>', 'Call-ID: reg-1@vrtest', 'CSeq: 1 REGISTER',
    'Contact: <sip:uas@${LO}:${UAS_PORT}>', 'Expires: 300', 'Content-Length: 0', '', ''].join('\\r\\n');
  s.send(msg, ${PROXY_PORT}, '${LO}');
  const t = setTimeout(() => { console.log('timeout'); s.close(); }, 5000);
  s.on('message', (m) => { const line = m.toString().split('\\r\\n')[0]; if (/^SIP\\/2.0 [2-6]/.test(line)) { console.log(line); clearTimeout(t); s.close(); } });
});`;
  const p = lab.spawn(ns, [process.execPath, '-e', script], { name: 'register' });
  await p.wait(8000);
  return p.stdout.trim();
}

interface Run {
  registerAnswer: string;
  uacExit: number | null;
  uasExit: number | null;
  report: any;
  kamLog: string;
  proxyStderr: string;
}

async function spiralCall(lab: Lab, dir: string): Promise<Run> {
  const ns = lab.ns('kam');
  writeFileSync(join(dir, 'kamailio.cfg'), kamailioConfig());
  const kam = lab.spawn(ns, ['kamailio', '-DD', '-E', '-f', join(dir, 'kamailio.cfg'), '-P', join(dir, 'kamailio.pid'), '-w', dir], { name: 'kamailio' });
  const reportFile = join(dir, 'report.json');
  const proxy = lab.spawn(ns, [process.execPath, join(ROOT, 'bin', 'voipready'), 'proxy', '--listen', `${LO}:${PROXY_PORT}`,
    '--upstream', `${LO}:${KAM_PORT}`, '--rtp-ports', '40000-40099', '--grace', '1', '--report', reportFile, '--json'], { name: 'proxy' });
  await proxy.waitFor(/proxy on udp\+tcp/, 15_000);
  const end = Date.now() + 10_000;
  while (!lab.exec(ns, ['ss', '-Hltn', `sport = :${KAM_PORT}`]).includes(`:${KAM_PORT}`) && Date.now() < end) await sleep(100);
  await sleep(300);
  const registerAnswer = await register(lab, ns);
  const uas = lab.spawn(ns, ['sipp', '-sf', join(SCENARIOS, 'uas-rr.xml'), '-rtp_echo', '-i', LO, '-mi', LO, '-mp', '16000', '-p', String(UAS_PORT), '-m', '1', '-nostdin', '-timeout', '40s'],
    { cwd: dir, name: 'sipp uas' });
  await sleep(500);
  const uac = lab.spawn(ns, ['sipp', `${LO}:${PROXY_PORT}`, '-sf', join(SCENARIOS, 'uac-large-invite.xml'), '-s', 'uas', '-i', LO, '-mi', LO, '-mp', '20000',
    '-p', String(UAC_PORT), '-m', '1', '-nostdin', '-timeout', '40s'], { cwd: dir, name: 'sipp uac' });
  const uacExit = await uac.wait(45_000);
  const uasExit = await uas.wait(5_000);
  await sleep(300);
  await proxy.stop('SIGTERM', 15_000);
  await kam.stop('SIGTERM', 5_000);
  return { registerAnswer, uacExit, uasExit, report: JSON.parse(readFileSync(reportFile, 'utf8')), kamLog: kam.stderr, proxyStderr: proxy.stderr };
}

describe.skipIf(skip !== null)(`voipready proxy in front of kamailio${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab | undefined;
  let dir = '';
  let r: Run;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vr-proxy-kam-'));
    symlinkSync(SIPP_PCAPS, join(dir, 'pcap'));
    lab = Lab.create(['kam']);
    r = await spiralCall(lab, dir);
  }, 90_000);

  afterAll(async () => {
    await lab?.destroy();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('the callee registers through the proxy and the report says so', () => {
    expect(r.registerAnswer).toMatch(/^SIP\/2.0 200/);
    const regs = r.report.registrations as any[];
    expect(regs.some((g) => g.outcome === 'registered')).toBe(true);
  });

  it('the call through the proxy, kamailio and the proxy again completes for both user agents', () => {
    expect(r.uacExit, `${r.proxyStderr.slice(-1500)}\n${r.kamLog.slice(-2000)}`).toBe(0);
    expect(r.uasExit).toBe(0);
  });

  it('the INVITE over 1300 bytes went to kamailio over TCP, and nothing fell back to UDP', () => {
    expect(r.report.proxy.sip.largeOverTcp).toBeGreaterThanOrEqual(1);
    expect(r.report.proxy.sip.tcpFallbackToUdp).toBe(0);
    expect(r.kamLog).toMatch(/VRTEST INVITE over tcp from 127\.0\.0\.1/);
  });

  it('both passes are anchored: every leg\'s media relayed without loss and measured, and the call ended by the BYE', () => {
    const p = r.report.proxy;
    expect(p.media.droppedStrictSource + p.media.droppedJunk + p.media.droppedNoPeer + p.media.sendErrors).toBe(0);
    expect(p.media.forwarded).toBe(p.media.received);
    const streams = (r.report.streams as any[]).filter((s) => s.codec !== 'telephone-event');
    // caller -> relay (pass 1) -> relay (pass 2) -> callee, and the echo back: two legs each way
    expect(streams.length).toBeGreaterThanOrEqual(4);
    for (const s of streams) {
      expect(s.packets).toBeGreaterThan(100);
      expect(s.lost).toBe(0);
    }
    const calls = r.report.calls as any[];
    expect(calls.length).toBeGreaterThanOrEqual(1);
    for (const c of calls) expect(c.finalStatus).toBe(200);
  });
});
