/**
 * Test-only: inside ns (10.77.1.2) — router ns (10.77.1.1 | 198.51.100.1, MASQUERADE, optionally
 * the kernel SIP helper) — outside ns (198.51.100.2). `captureAlgPair()` records both sides with
 * tshark and returns the two pcap paths (inside.pcap, outside.pcap): the pairs alg-diff reads.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, type OwnedProcess } from './netns.js';

export const INSIDE_IP = '10.77.1.2';
export const ROUTER_OUT_IP = '198.51.100.1';
export const OUTSIDE_IP = '198.51.100.2';

export interface AlgLab { lab: Lab; inside: string; router: string; outside: string; dir: string }

/** `randomPorts`: MASQUERADE --random-fully, a new random port per connection (a symmetric NAT) */
/** `prefix`: the namespaces' name prefix (default vr; a test may pick its own, e.g. vralg) */
export function createAlgLab(opts: { masquerade: boolean; sipHelper: boolean; randomPorts?: boolean; prefix?: string }): AlgLab {
  const lab = Lab.create(['in', 'rt', 'out'], opts.prefix);
  const [inside, router, outside] = [lab.ns('in'), lab.ns('rt'), lab.ns('out')];
  lab.link({ ns: inside, dev: 'veth0', cidr: `${INSIDE_IP}/24` }, { ns: router, dev: 'vin', cidr: '10.77.1.1/24' });
  lab.link({ ns: router, dev: 'vout', cidr: `${ROUTER_OUT_IP}/24` }, { ns: outside, dev: 'veth0', cidr: `${OUTSIDE_IP}/24` });
  lab.exec(inside, ['ip', 'route', 'add', 'default', 'via', '10.77.1.1']);
  lab.exec(outside, ['ip', 'route', 'add', '10.77.1.0/24', 'via', ROUTER_OUT_IP]);
  lab.exec(router, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  if (opts.masquerade) lab.exec(router, ['iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', 'vout', '-j', 'MASQUERADE', ...(opts.randomPorts === true ? ['--random-fully'] : [])]);
  if (opts.sipHelper) {
    for (const proto of ['udp', 'tcp']) lab.exec(router, ['iptables', '-t', 'raw', '-A', 'PREROUTING', '-p', proto, '--dport', '5060', '-j', 'CT', '--helper', 'sip']);
  }
  return { lab, inside, router, outside, dir: mkdtempSync(join(tmpdir(), 'vr-alg-')) };
}

/** true when the kernel accepts a CT --helper sip rule (nf_conntrack_sip present) */
export function kernelHasSipHelper(): boolean {
  const lab = Lab.create(['probe']);
  try {
    lab.exec(lab.ns('probe'), ['iptables', '-t', 'raw', '-A', 'PREROUTING', '-p', 'udp', '--dport', '5060', '-j', 'CT', '--helper', 'sip']);
    return true;
  } catch {
    return false;
  } finally {
    void lab.destroy();
  }
}

/** starts tshark on both sides; call the returned stop() after the exchange */
export async function startCaptures(l: AlgLab, name: string): Promise<{ stop: () => Promise<{ inside: string; outside: string }> }> {
  const files = { inside: join(l.dir, `${name}-inside.pcap`), outside: join(l.dir, `${name}-outside.pcap`) };
  const procs: OwnedProcess[] = [
    l.lab.spawn(l.inside, ['tshark', '-q', '-i', 'veth0', '-F', 'pcap', '-w', files.inside, '-f', 'port 5060'], { name: 'tshark-in' }),
    l.lab.spawn(l.outside, ['tshark', '-q', '-i', 'veth0', '-F', 'pcap', '-w', files.outside, '-f', 'port 5060'], { name: 'tshark-out' }),
  ];
  await Promise.all(procs.map((p) => p.waitFor(/Capturing on/, 15_000)));
  return {
    stop: async () => {
      await new Promise((r) => setTimeout(r, 500));
      await Promise.all(procs.map((p) => p.stop('SIGINT', 5000)));
      return files;
    },
  };
}

export interface AlgPcapPair {
  inside: string;
  outside: string;
  /** alg-check's --json output for the same exchange */
  check: unknown;
  status: number | null;
}

/**
 * One alg-check exchange (REGISTER + INVITE) from inside to alg-echo outside, captured with tshark on
 * both sides: the inside/outside pair alg-diff and the passive detector read. `l` from createAlgLab();
 * the pcaps land in l.dir (the caller removes it after destroying the lab).
 */
export async function captureAlgPair(l: AlgLab, opts: { transport: 'udp' | 'tcp'; name: string; bin: string; stun?: boolean; extraArgs?: string[] }): Promise<AlgPcapPair> {
  const echo = l.lab.spawn(l.outside, [process.execPath, opts.bin, 'alg-echo', '--listen', `${OUTSIDE_IP}:5060`, ...(opts.stun === true ? ['--stun-server'] : [])], { name: 'alg-echo' });
  await echo.waitFor(/listening/, 15_000);
  const cap = await startCaptures(l, opts.name);
  const check = l.lab.spawn(l.inside, [process.execPath, opts.bin, 'alg-check', '--server', `${OUTSIDE_IP}:5060`, '--transport', opts.transport,
    ...(opts.stun === true ? ['--stun', `${OUTSIDE_IP}:3478`] : []), ...(opts.extraArgs ?? []), '--json'], { name: 'alg-check' });
  const status = await check.wait(30_000);
  const files = await cap.stop();
  await echo.stop('SIGTERM', 3000);
  let json: unknown = null;
  try {
    json = JSON.parse(check.stdout);
  } catch {
    throw new Error(`alg-check (${status}): ${check.stdout} ${check.stderr}`);
  }
  return { ...files, check: json, status };
}
