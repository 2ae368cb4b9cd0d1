/**
 * Test-only: `voipready proxy` between two sipp user agents, each side in its own network namespace
 * (prefix vrimp-), so that what one leg's path does (an impairment relay, a re-marking iptables rule)
 * touches that leg only:
 *
 *   vrimp-a (caller)                       vrimp-p (proxy)                            vrimp-b (callee)
 *   10.77.1.1 (+ 10.77.1.101 on lo,  --veth--  10.77.1.2 | voipready proxy | 10.77.2.2  --veth--  10.77.2.1
 *   sipp's raw RTP source; + .3, .4)             :5060, RTP 40000-40019                  sipp uas -rtp_echo :5060, RTP :16000
 *
 * The caller's and the callee's RTP and SIP are marked EF / CS3 by iptables mangle OUTPUT in their own
 * namespace (sipp cannot mark). Needs root, ip, iptables, sipp and a built dist/.
 */
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.js';
import { Lab, missingForNetns, type OwnedProcess } from './netns.js';

export const SIPP_PCAPS = '/usr/share/sip-tester';
export const CALLER = '10.77.1.1';
/** sipp's pcap play sends from here (lo), so nat OUTPUT can tell its packets from the relay's */
export const CALLER_RAW = '10.77.1.101';
/** more hosts on the caller's side: the sources of bad input (the flood's limit is per address) */
export const ATTACKER = '10.77.1.3';
export const ATTACKER2 = '10.77.1.4';
export const PROXY_A = '10.77.1.2';
export const PROXY_B = '10.77.2.2';
export const CALLEE = '10.77.2.1';
export const RTP_MIN = 40000;
export const RTP_MAX = 40019;
export const UAC_MEDIA = 20000;
export const UAS_MEDIA = 16000;

export function whyNotProxyLab(extraTools: string[] = []): string | null {
  const tools = missingForNetns(['ip', 'iptables', 'sipp', 'ss', ...extraTools]);
  if (tools !== null) return tools;
  if (!existsSync(join(SIPP_PCAPS, 'g711a.pcap'))) return `${SIPP_PCAPS}/g711a.pcap absent (package sip-tester)`;
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) return 'dist/ not built (npm run build)';
  return null;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function until(ok: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

export interface ProxyLab {
  lab: Lab;
  a: string;
  p: string;
  b: string;
  /** the proxy's veth toward the caller (for a PREROUTING rule on the caller's leg) */
  proxyDevA: string;
  ipt(ns: string, rule: string): void;
}

/** the three namespaces, linked, addressed and with the callers' and callee's marking rules */
export function createProxyLab(dir: string): ProxyLab {
  const lab = Lab.create(['a', 'p', 'b'], 'vrimp');
  const [a, p, b] = [lab.ns('a'), lab.ns('p'), lab.ns('b')];
  const proxyDevA = `vrpa-${lab.suffix}`;
  lab.link({ ns: a, dev: `vraa-${lab.suffix}`, cidr: `${CALLER}/24` }, { ns: p, dev: proxyDevA, cidr: `${PROXY_A}/24` });
  lab.link({ ns: b, dev: `vrbb-${lab.suffix}`, cidr: `${CALLEE}/24` }, { ns: p, dev: `vrpb-${lab.suffix}`, cidr: `${PROXY_B}/24` });
  lab.exec(a, ['ip', 'addr', 'add', `${CALLER_RAW}/32`, 'dev', 'lo']);
  for (const extra of [ATTACKER, ATTACKER2]) lab.exec(a, ['ip', 'addr', 'add', `${extra}/24`, 'dev', `vraa-${lab.suffix}`]);
  const ipt = (ns: string, rule: string): void => {
    lab.exec(ns, ['iptables', ...rule.split(' ')]);
  };
  ipt(a, `-t mangle -A OUTPUT -p udp --sport ${UAC_MEDIA}:${UAC_MEDIA + 99} -j DSCP --set-dscp 46`);
  ipt(a, '-t mangle -A OUTPUT -p udp --sport 5060 -j DSCP --set-dscp 24');
  ipt(b, `-t mangle -A OUTPUT -p udp --sport ${UAS_MEDIA} -j DSCP --set-dscp 46`);
  ipt(b, '-t mangle -A OUTPUT -p udp --sport 5060 -j DSCP --set-dscp 24');
  // sipp's uac_pcap scenario plays pcap/g711a.pcap relative to its working directory
  if (!existsSync(join(dir, 'pcap'))) symlinkSync(SIPP_PCAPS, join(dir, 'pcap'));
  return { lab, a, p, b, proxyDevA, ipt };
}

/** starts `voipready proxy` in the proxy namespace; resolves once it listens (with --serve: its /metrics URL) */
export async function startProxy(l: ProxyLab, reportFile: string, extra: string[] = [], rtpPorts = `${RTP_MIN}-${RTP_MAX}`): Promise<{ proxy: OwnedProcess; metricsUrl: string | null }> {
  const proxy = l.lab.spawn(l.p, [process.execPath, join(ROOT, 'bin', 'voipready'), 'proxy', '--listen', '0.0.0.0:5060',
    '--upstream', `${CALLEE}:5060`, '--rtp-ports', rtpPorts, '--grace', '1', '--report', reportFile, '--json', ...extra],
  { name: 'proxy' });
  await proxy.waitFor(/proxy on udp\+tcp/, 20_000);
  const m = /(http:\/\/[^\s,]+\/metrics)/.exec(proxy.stderr);
  return { proxy, metricsUrl: m?.[1] ?? null };
}

/** GET url from inside the namespace ns (the test process cannot enter it): the body, or '' when it fails */
export function fetchInNs(l: ProxyLab, ns: string, url: string): string {
  const script = `fetch(${JSON.stringify(url)}).then((r) => r.text()).then((t) => process.stdout.write(t), () => process.exit(1))`;
  try {
    return l.lab.exec(ns, [process.execPath, '-e', script]);
  } catch {
    return '';
  }
}

/** UDP counters of a namespace's kernel (/proc/net/snmp "Udp:" rows), e.g. RcvbufErrors: datagrams dropped before any socket read them */
export function udpSnmp(l: ProxyLab, ns: string): Record<string, number> {
  const rows = l.lab.exec(ns, ['cat', '/proc/net/snmp']).split('\n').filter((r) => r.startsWith('Udp:'));
  const names = rows[0]?.split(/\s+/).slice(1) ?? [];
  const values = rows[1]?.split(/\s+/).slice(1).map(Number) ?? [];
  return Object.fromEntries(names.map((n, i) => [n, values[i] ?? 0]));
}

/** a process's resident set (VmRSS) in bytes, from /proc (namespaces share the PID space) */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? 0 : Number(m[1]) * 1024;
}

/**
 * `nice -n -10` in front of a program whose timing is the measurement (sipp's pcap play, the impairment
 * relay): on a shared 2-core machine a descheduled sender is jitter that no impairment asked for.
 * nice execs in place, so the PID is still the program's own.
 */
export const TIMELY = ['nice', '-n', '-10'];

/** the echoing sipp UAS in the callee's namespace, once it listens */
export async function startUas(l: ProxyLab, dir: string, calls: number | null, priority = false): Promise<OwnedProcess> {
  const max = calls === null ? [] : ['-m', String(calls)];
  const uas = l.lab.spawn(l.b, [...(priority ? TIMELY : []), 'sipp', '-sn', 'uas', '-rtp_echo', '-i', CALLEE, '-mi', CALLEE, '-mp', String(UAS_MEDIA),
    '-p', '5060', ...max, '-nostdin', '-timeout', '50s'], { cwd: dir, name: 'sipp uas' });
  await until(() => l.lab.exec(l.b, ['ss', '-Hlun', 'sport = :5060']).includes(':5060'), 5_000, 'sipp uas on UDP 5060');
  return uas;
}

/** sipp's uac_pcap from the caller's namespace: G.711 A-law for 8 s, then an RFC 4733 digit, then BYE */
export function startUac(l: ProxyLab, dir: string, calls: number, priority = false): OwnedProcess {
  return l.lab.spawn(l.a, [...(priority ? TIMELY : []), 'sipp', `${PROXY_A}:5060`, '-sn', 'uac_pcap', '-i', CALLER, '-p', '5060', '-mi', CALLER_RAW,
    '-mp', String(UAC_MEDIA), '-r', String(calls), '-rp', '1000', '-m', String(calls), '-nostdin', '-timeout', '40s'],
  { cwd: dir, name: 'sipp uac' });
}
