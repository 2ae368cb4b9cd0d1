/**
 * nat-check (edge: one UDP socket): the public mapping of this host as STUN servers see it, and
 * whether the mapping stays the same toward other destinations (RFC 4787 endpoint-independent
 * mapping), using RFC 5780 OTHER-ADDRESS where the server gives one, else a second server; with
 * `lifetimeSeconds`, whether the mapping survives that much idle time (it is asked again after the
 * pause: a new port means the old mapping had expired).
 */
import { createSocket, type Socket } from 'node:dgram';
import { C, CHANGE_PORT, stun, type StunServerHandle } from './stun-lib.js';

export interface Mapping { server: string; address: string; port: number; otherAddress: string | null }

export interface NatCheckResult {
  local: string;
  mappings: Mapping[];
  /** the first server's view */
  mapped: { address: string; port: number } | null;
  natted: boolean | null;
  /** endpoint-independent when all destinations saw the same address:port; null when one only */
  mappingBehaviour: 'endpoint-independent' | 'destination-dependent' | null;
  /** RFC 5780 4.4: an answer from the other port came back (filtering lets it in) */
  changePortAnswered: boolean | null;
  lifetime: { idleSeconds: number; kept: boolean } | null;
  errors: string[];
}

export interface NatCheckOptions { servers: string[]; timeoutMs: number; lifetimeSeconds?: number; localPort?: number }

async function ask(server: StunServerHandle, url: string, timeoutMs: number, changePort = false): Promise<{ address: string; port: number; other: string | null } | null> {
  const msg = stun.createMessage(C.BINDING_REQUEST);
  if (changePort) msg.addAttribute(C.CHANGE_REQUEST, CHANGE_PORT);
  try {
    const res = await stun.request(url, { server, message: msg, timeout: Math.max(100, timeoutMs / 4), retries: 2, maxTimeout: timeoutMs });
    const x = res.getXorAddress() ?? res.getAddress();
    if (x === undefined) return null;
    const o = res.getAttribute(C.OTHER_ADDRESS)?.value as { address: string; port: number } | undefined;
    return { address: x.address, port: x.port, other: o === undefined ? null : `${o.address}:${o.port}` };
  } catch {
    return null;
  }
}

export async function natCheck(o: NatCheckOptions): Promise<NatCheckResult> {
  const sock: Socket = createSocket({ type: 'udp4' });
  await new Promise<void>((resolve, reject) => { sock.once('error', reject); sock.bind(o.localPort ?? 0, () => { sock.off('error', reject); resolve(); }); });
  const server = stun.createServer({ type: 'udp4', socket: sock });
  // a stray datagram that is not STUN must not end the check
  server.on('error', () => undefined);
  const r: NatCheckResult = { local: '', mappings: [], mapped: null, natted: null, mappingBehaviour: null, changePortAnswered: null, lifetime: null, errors: [] };
  try {
    const first = o.servers[0]!;
    const a = await ask(server, first, o.timeoutMs);
    if (a === null) {
      r.errors.push(`no STUN answer from ${first}`);
      return r;
    }
    r.mappings.push({ server: first, address: a.address, port: a.port, otherAddress: a.other });
    r.mapped = { address: a.address, port: a.port };
    const targets = [...(a.other !== null ? [a.other] : []), ...o.servers.slice(1)];
    for (const t of targets) {
      const m = await ask(server, t, o.timeoutMs);
      if (m === null) r.errors.push(`no STUN answer from ${t}`);
      else r.mappings.push({ server: t, address: m.address, port: m.port, otherAddress: m.other });
    }
    if (r.mappings.length > 1) {
      r.mappingBehaviour = r.mappings.every((m) => m.address === a.address && m.port === a.port) ? 'endpoint-independent' : 'destination-dependent';
    }
    if (a.other !== null) r.changePortAnswered = await filteringTest(first, Math.min(o.timeoutMs, 1500));
    if (o.lifetimeSeconds !== undefined) {
      await new Promise((res) => setTimeout(res, o.lifetimeSeconds! * 1000));
      const again = await ask(server, first, o.timeoutMs);
      r.lifetime = { idleSeconds: o.lifetimeSeconds, kept: again !== null && again.address === a.address && again.port === a.port };
    }
    return r;
  } finally {
    server.close();
    await new Promise<void>((res) => sock.close(() => res()));
  }
}

/**
 * RFC 5780 4.4 filtering, on a socket of its own: the first thing it sends asks for the answer from
 * the other port. On the mapping socket it would disturb the mapping test either way: after a request
 * to the other port the filter is open, and a filtered answer leaves a conntrack entry (Linux) that
 * makes the NAT choose another port for the next mapping toward that port.
 */
async function filteringTest(url: string, timeoutMs: number): Promise<boolean> {
  const sock: Socket = createSocket({ type: 'udp4' });
  await new Promise<void>((resolve, reject) => { sock.once('error', reject); sock.bind(0, () => { sock.off('error', reject); resolve(); }); });
  const server = stun.createServer({ type: 'udp4', socket: sock });
  server.on('error', () => undefined);
  try {
    return (await ask(server, url, timeoutMs, true)) !== null;
  } finally {
    server.close();
    await new Promise<void>((res) => sock.close(() => res()));
  }
}

/** fills in `local` and `natted` once the local address toward the server is known */
export function withLocal(r: NatCheckResult, local: string, localAddresses: string[]): NatCheckResult {
  return { ...r, local, natted: r.mapped === null ? null : !localAddresses.includes(r.mapped.address) };
}
