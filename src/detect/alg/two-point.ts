/**
 * alg-diff's comparison: the same SIP messages captured inside and outside a firewall, matched, and
 * per message the header and SDP lines the box changed. NAT of the IP header is expected; a change
 * inside SIP/SDP is an ALG's rewrite. Pure: two lists of captured messages in, the comparison out.
 *
 * Matching: by Call-ID, CSeq (number and method) and kind/status; when the box rewrote the Call-ID
 * (FortiGate, Juniper), by CSeq, kind/status and the top Via branch or the From tag, which those
 * boxes keep; among equals, in capture order (the clocks of the two captures need not agree).
 */
import type { SipMessage } from '../../decode/sip/types.js';
import { changesOf, messageLines, unifiedDiff, type LineChange } from './diff-lines.js';

export interface CapturedSip {
  packet: number;
  epochMs: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  transport: string;
  message: SipMessage;
  /** the message's bytes (a copy) */
  bytes: Buffer;
}

export type Direction = 'outbound' | 'inbound' | 'unknown';

export interface MessageDiff {
  /** "INVITE" or "200 INVITE" */
  what: string;
  callId: string | null;
  direction: Direction;
  insidePacket: number;
  outsidePacket: number;
  /** the IP header changed (NAT: expected, not a finding) */
  ipNat: boolean;
  ipInside: string;
  ipOutside: string;
  changes: LineChange[];
  /** unified diff in the direction of travel ("" when unchanged) */
  diff: string;
  /** Content-Length against the body bytes in the version after the box: null when no header */
  contentLengthOk: boolean | null;
}

export interface TwoPointResult {
  matched: MessageDiff[];
  /** messages seen on one side only */
  insideOnly: number[];
  outsideOnly: number[];
}

function what(m: SipMessage): string {
  return m.kind === 'request' ? m.method : `${m.status} ${m.cseq?.method ?? ''}`.trim();
}

function baseKey(m: SipMessage): string {
  return `${m.kind === 'request' ? m.method : m.status}|${m.cseq?.seq ?? ''}|${m.cseq?.method ?? ''}`;
}

function ep(a: string, p: number): string {
  return a.includes(':') ? `[${a}]:${p}` : `${a}:${p}`;
}

function ipText(c: CapturedSip): string {
  return `${ep(c.src, c.srcPort)} -> ${ep(c.dst, c.dstPort)}`;
}

function sameDialog(a: SipMessage, b: SipMessage): boolean {
  if (a.callId !== null && a.callId === b.callId) return true;
  if (a.topViaBranch !== null && a.topViaBranch === b.topViaBranch) return true;
  return a.from?.tag != null && a.from.tag === b.from?.tag;
}

/** addresses seen only in the inside capture: the inside hosts (a message sent by one is outbound) */
function insideHosts(inside: readonly CapturedSip[], outside: readonly CapturedSip[]): Set<string> {
  const out = new Set<string>();
  for (const c of outside) { out.add(c.src); out.add(c.dst); }
  const only = new Set<string>();
  for (const c of inside) for (const a of [c.src, c.dst]) if (!out.has(a)) only.add(a);
  return only;
}

function contentLengthOk(c: CapturedSip): boolean | null {
  const m = c.message;
  if (m.contentLength === null) return null;
  if (c.transport !== 'udp') return true;
  let lead = 0;
  while (lead < c.bytes.length && (c.bytes[lead] === 0x0d || c.bytes[lead] === 0x0a)) lead++;
  const used = lead + m.bodyOffset + m.body.length - m.startOffset;
  return c.bytes.subarray(used).every((x) => x === 0x0d || x === 0x0a || x === 0x20 || x === 0);
}

function compare(i: CapturedSip, o: CapturedSip, direction: Direction): MessageDiff {
  const [from, to] = direction === 'inbound' ? [o, i] : [i, o];
  const a = messageLines(from.message);
  const b = messageLines(to.message);
  const labels = direction === 'inbound'
    ? [`outside packet ${o.packet} (before the box)`, `inside packet ${i.packet} (after the box)`]
    : [`inside packet ${i.packet}`, `outside packet ${o.packet}`];
  return {
    what: what(i.message), callId: i.message.callId, direction, insidePacket: i.packet, outsidePacket: o.packet,
    ipNat: ipText(i) !== ipText(o), ipInside: ipText(i), ipOutside: ipText(o),
    changes: changesOf(a, b), diff: unifiedDiff(a, b, labels[0]!, labels[1]!), contentLengthOk: contentLengthOk(to),
  };
}

export function compareCaptures(inside: readonly CapturedSip[], outside: readonly CapturedSip[]): TwoPointResult {
  const hosts = insideHosts(inside, outside);
  const used = new Set<number>();
  const matched: MessageDiff[] = [];
  const insideOnly: number[] = [];
  for (const i of inside) {
    const k = baseKey(i.message);
    let best = -1;
    for (let j = 0; j < outside.length; j++) {
      if (used.has(j) || baseKey(outside[j]!.message) !== k) continue;
      const o = outside[j]!;
      if (o.message.callId === i.message.callId) { best = j; break; }
      if (best < 0 && sameDialog(i.message, o.message)) best = j;
    }
    if (best < 0) { insideOnly.push(i.packet); continue; }
    used.add(best);
    const direction: Direction = hosts.size === 0 ? 'unknown' : hosts.has(i.src) ? 'outbound' : hosts.has(i.dst) ? 'inbound' : 'unknown';
    matched.push(compare(i, outside[best]!, direction));
  }
  const outsideOnly = outside.filter((_, j) => !used.has(j)).map((o) => o.packet);
  return { matched, insideOnly, outsideOnly };
}
