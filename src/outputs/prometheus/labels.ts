/**
 * Bounded label values (style habit 14): every label value comes from a closed set, and anything
 * unknown becomes "other" / "unknown", so a long-running server cannot grow without bound.
 * These run once per new stream, never per packet.
 */
import { BlockList, isIP } from 'node:net';
import type { PeerGroup } from '../../config/settings.js';

/** codecs we name in labels; canonical spelling. Anything else is "other". */
const KNOWN_CODECS = [
  'PCMU', 'PCMA', 'G722', 'G723', 'G726', 'G728', 'G729', 'GSM', 'iLBC', 'opus', 'speex', 'AMR', 'AMR-WB',
  'EVS', 'L16', 'telephone-event', 'CN',
];
const CODEC_ALIASES: Record<string, string> = { g711u: 'PCMU', g711a: 'PCMA', 'g726-32': 'G726', g729a: 'G729' };
const CODEC_BY_LOWER = new Map<string, string>(KNOWN_CODECS.map((c) => [c.toLowerCase(), c]));

export function codecLabel(codec: string): string {
  const lower = codec.trim().toLowerCase();
  return CODEC_BY_LOWER.get(lower) ?? CODEC_ALIASES[lower] ?? 'other';
}

/** "10.0.0.1:4000" -> "10.0.0.1"; "[2001:db8::1]:4000" -> "2001:db8::1"; a bare address stays itself */
export function endpointAddress(endpoint: string): string {
  if (endpoint.startsWith('[')) {
    const end = endpoint.indexOf(']');
    return end > 0 ? endpoint.slice(1, end) : endpoint;
  }
  const colon = endpoint.lastIndexOf(':');
  if (colon > 0 && endpoint.indexOf(':') === colon) return endpoint.slice(0, colon);
  return endpoint;
}

/** Matches addresses against named CIDR groups; first group that matches wins. */
export class NetworkGroups {
  private readonly groups: Array<{ name: string; list: BlockList }> = [];

  /** throws on an invalid CIDR: settings are checked at the edge, before any packet */
  constructor(groups: readonly PeerGroup[]) {
    for (const g of groups) {
      const list = new BlockList();
      for (const net of g.networks) addNetwork(list, net);
      this.groups.push({ name: g.name, list });
    }
  }

  get size(): number {
    return this.groups.length;
  }

  /** the group's name, or null when no group holds the address */
  match(address: string): string | null {
    const family = isIP(address);
    if (family === 0) return null;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    for (const g of this.groups) {
      if (g.list.check(address, type)) return g.name;
    }
    return null;
  }
}

function addNetwork(list: BlockList, text: string): void {
  const [addr = '', prefixText] = text.trim().split('/');
  const family = isIP(addr);
  if (family === 0) throw new Error(`"${text}" is not an IP address or CIDR`);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (prefixText === undefined) {
    list.addAddress(addr, type);
    return;
  }
  const prefix = Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
    throw new Error(`"${text}" has an invalid prefix length`);
  }
  list.addSubnet(addr, prefix, type);
}

/** peer = the configured group of the far end: dst first (we usually capture at the sender), then src */
export function peerLabel(groups: NetworkGroups, src: string, dst: string): string {
  return groups.match(endpointAddress(dst)) ?? groups.match(endpointAddress(src)) ?? 'other';
}

/**
 * direction relative to the local networks: "outbound" when only the source is local, "inbound"
 * when only the destination is, else "unknown" (no local networks configured, both or neither local).
 */
export function directionLabel(local: NetworkGroups | null, src: string, dst: string): string {
  if (local === null || local.size === 0) return 'unknown';
  const s = local.match(endpointAddress(src)) !== null;
  const d = local.match(endpointAddress(dst)) !== null;
  if (s && !d) return 'outbound';
  if (d && !s) return 'inbound';
  return 'unknown';
}

/** "2xx".."6xx" for a final SIP status, "none" when there was none */
export function statusClassLabel(status: number | null): string {
  if (status === null || !Number.isInteger(status) || status < 100 || status > 699) return 'none';
  return `${Math.floor(status / 100)}xx`;
}

const CALL_STATES = new Set(['setup', 'answered', 'rejected', 'cancelled', 'ended', 'incomplete']);
export function callStateLabel(state: string): string {
  return CALL_STATES.has(state) ? state : 'other';
}

/** finding codes are a closed catalogue, but guard against a stray one with a shape check */
export function findingCodeLabel(code: string): string {
  return /^[A-Z][A-Z0-9_]{0,47}$/.test(code) ? code : 'other';
}
