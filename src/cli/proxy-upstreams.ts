/**
 * `--upstream` values of `voipready proxy`, repeatable: `[domain=][udp:|tcp:]host:port`.
 *   --upstream 10.0.0.5:5060 --upstream 10.0.0.6:5060       ordered failover (the first that is up)
 *   --upstream pbx-a.example=10.0.0.5:5060 --upstream pbx-b.example=tcp:10.0.0.6:5060   by domain
 * A transport prefix overrides --upstream-transport for that upstream. Host names are resolved once,
 * at start (the address is what the proxy sends to and recognises an upstream's requests by).
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { parseListen } from '../config/options/index.js';
import { VoipreadyError } from '../errors.js';
import { MAX_UPSTREAMS, type Upstream } from '../proxy/sip/upstreams.js';

/** one --upstream value, unresolved (address = host) */
export function parseUpstream(text: string, defaultTransport: string): Upstream {
  let rest = text.trim();
  let domain: string | null = null;
  const eq = rest.indexOf('=');
  if (eq >= 0) {
    domain = rest.slice(0, eq).trim().toLowerCase();
    rest = rest.slice(eq + 1).trim();
    if (!/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/.test(domain)) throw new VoipreadyError('E_USAGE', `--upstream "${text}": "${domain}" is not a SIP domain`);
  }
  let transport = defaultTransport;
  const prefix = /^(udp|tcp|tls):/i.exec(rest);
  if (prefix !== null) {
    transport = prefix[1]!.toLowerCase();
    rest = rest.slice(prefix[0].length);
  }
  if (transport !== 'udp' && transport !== 'tcp') throw new VoipreadyError('E_USAGE', `--upstream "${text}": transport "${transport}" must be udp or tcp`);
  const hp = parseListen(rest, '--upstream');
  return { host: hp.host, port: hp.port, transport, address: hp.host, domain };
}

/** every --upstream, checked and resolved; the order given is the failover order */
export async function upstreamsOf(values: readonly string[], defaultTransport: string): Promise<Upstream[]> {
  if (values.length === 0) throw new VoipreadyError('E_USAGE', 'proxy needs --upstream host:port (the PBX or SIP trunk; repeatable)');
  if (defaultTransport !== 'udp' && defaultTransport !== 'tcp') throw new VoipreadyError('E_USAGE', `--upstream-transport "${defaultTransport}" must be udp or tcp`);
  if (values.length > MAX_UPSTREAMS) throw new VoipreadyError('E_USAGE', `at most ${MAX_UPSTREAMS} --upstream (${values.length} given)`);
  const out: Upstream[] = [];
  for (const v of values) {
    const u = parseUpstream(v, defaultTransport);
    out.push({ ...u, address: await resolve(u.host) });
  }
  const seen = new Set<string>();
  for (const u of out) {
    const key = `${u.address}:${u.port}`;
    // an upstream is recognised by its address and port: two entries for one would be one upstream
    if (seen.has(key)) throw new VoipreadyError('E_USAGE', `--upstream ${u.host}:${u.port} is given twice (${key})`);
    seen.add(key);
  }
  return out;
}

async function resolve(host: string): Promise<string> {
  if (isIP(host) !== 0) return host;
  try {
    return (await lookup(host)).address;
  } catch (err) {
    throw new VoipreadyError('E_USAGE', `--upstream ${host} does not resolve: ${(err as Error).message}`);
  }
}

/** how the startup line and the live screen name them: "udp 10.0.0.5:5060 (pbx-a.example), tcp 10.0.0.6:5060" */
export function describeUpstreams(list: readonly Upstream[], withTransport: boolean): string {
  return list.map((u) => {
    const host = u.host.includes(':') ? `[${u.host}]` : u.host;
    return `${withTransport ? `${u.transport} ` : ''}${host}:${u.port}${u.domain != null ? ` (${u.domain})` : ''}`;
  }).join(', ');
}
