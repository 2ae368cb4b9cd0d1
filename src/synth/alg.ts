/**
 * One call through a NAT box, captured on both sides, with a known rewrite personality: the truth
 * the ALG/NAT detector and alg-diff are tested against. The rewritten messages are built with
 * src/encode (spliceSip for header lines, rewriteSdp for o=/c=/m=), as a box would edit them.
 *
 * Caller 10.0.0.5 (inside) -> NAT 198.51.100.1 -> callee 203.0.113.20 (outside).
 */
import { parseSipMessage } from '../decode/sip/parse.js';
import type { SipMessage } from '../decode/sip/types.js';
import { parseSdp } from '../decode/sdp.js';
import { encodeRtpPacket } from '../encode/rtp.js';
import { rewriteSdp, type SdpRewrite } from '../encode/sdp-rewrite.js';
import { headerWithValue, spliceSip, type SipEdit } from '../encode/sip-splice.js';
import { LINKTYPE_ETHERNET, parseAddress, udpFrame, type LinkSpec } from './frames.js';
import { PcapWriter } from './pcap-writer.js';
import { sipAck, sipBye, sipInvite, sipResponse, type SipDialog } from './sip.js';

export type AlgPersonality =
  | 'plain-nat' | 'nf_nat_sip' | 'fortigate' | 'juniper' | 'cisco-asa' | 'siproxd' | 'broken-content-length' | 'partial-via';

export const ALG_PERSONALITIES: readonly AlgPersonality[] = [
  'plain-nat', 'nf_nat_sip', 'fortigate', 'juniper', 'cisco-asa', 'siproxd', 'broken-content-length', 'partial-via',
];

export const INSIDE = '10.0.0.5';
export const PUBLIC = '198.51.100.1';
export const PEER = '203.0.113.20';
const SIPROXD_RTP = 7070;

export interface AlgCallOptions {
  /** the NAT's source port for the caller's RTP (default: kept, 4000; siproxd: its relay port) */
  rtpNatPort?: number;
  /** RTP packets each way (default 50) */
  rtpPackets?: number;
}

interface Wire { t: number; src: string; sport: number; dst: string; dport: number; payload: Buffer }

function dialog(): SipDialog {
  return {
    callId: 'alg-call-1@10.0.0.5', fromTag: 'ft1', toTag: 'tt1', branch: 'z9hG4bKalg1', transport: 'UDP', codec: 'PCMA', sessionId: 4242,
    caller: { user: 'alice', addr: INSIDE, ipVersion: 4, sipPort: 5060, rtpPort: 4000 },
    callee: { user: 'bob', addr: PEER, ipVersion: 4, sipPort: 5060, rtpPort: 20000 },
  };
}

function parse(buf: Buffer): SipMessage {
  const r = parseSipMessage(buf, 0, buf.length);
  if (!r.ok) throw new Error(`synth alg: ${r.reason}`);
  return r.message;
}

const IN_HP = `${INSIDE}:5060`;
const PUB_HP = `${PUBLIC}:5060`;

/** which header lines a personality rewrites outbound (inside -> public) */
const HEADERS: Record<AlgPersonality, readonly string[]> = {
  'plain-nat': [],
  nf_nat_sip: ['via', 'contact', 'from'],
  fortigate: ['via', 'contact', 'from', 'call-id'],
  juniper: ['via', 'contact', 'from', 'call-id'],
  'cisco-asa': ['via', 'contact', 'from'],
  siproxd: ['via', 'contact'],
  'broken-content-length': ['via', 'contact', 'from'],
  'partial-via': ['via'],
};

function sdpRewrite(p: AlgPersonality): SdpRewrite | null {
  switch (p) {
    case 'nf_nat_sip': case 'fortigate': case 'juniper': case 'broken-content-length':
      return { origin: { address: PUBLIC }, connection: { address: PUBLIC } };
    case 'cisco-asa':
      return { connection: { address: PUBLIC } };
    case 'siproxd':
      return { connection: { address: PUBLIC }, media: [{ port: SIPROXD_RTP }] };
    default:
      return null;
  }
}

function headerEdits(msg: SipMessage, p: AlgPersonality, from: string, _to: string): SipEdit[] {
  const keys = HEADERS[p];
  const edits: SipEdit[] = [];
  let topVia = true;
  for (const h of msg.headers) {
    const isTopVia = h.key === 'via' && topVia;
    if (h.key === 'via') topVia = false;
    if (!keys.includes(h.key) || (h.key === 'via' && !isTopVia)) continue;
    if (h.key === 'call-id') {
      const value = from === INSIDE ? `fw-${h.value}` : h.value.replace(/^fw-/, '');
      if (value !== h.value) edits.push({ op: 'replace', header: h, line: headerWithValue(h, value) });
    } else if (h.raw.includes(from === INSIDE ? IN_HP : PUB_HP)) {
      edits.push({ op: 'replace', header: h, line: h.raw.split(from === INSIDE ? IN_HP : PUB_HP).join(from === INSIDE ? PUB_HP : IN_HP) });
    }
  }
  if (p === 'cisco-asa' && from === INSIDE) {
    for (const h of msg.headers) if (h.key === 'user-agent') edits.push({ op: 'remove', header: h });
  }
  return edits;
}

/** the outbound message as the box sends it on */
export function rewriteOutbound(buf: Buffer, p: AlgPersonality): Buffer {
  const msg = parse(buf);
  const edits = headerEdits(msg, p, INSIDE, PUBLIC);
  const rw = sdpRewrite(p);
  let body: Buffer | undefined;
  if (rw !== null && msg.body.length > 0) {
    const sdp = parseSdp(msg.body);
    if (!sdp.ok) throw new Error(sdp.reason);
    body = rewriteSdp(msg.body, sdp.sdp, rw);
    if (p === 'fortigate') body = Buffer.from(body.toString('utf8').replace(/(\r\ns=[^\r\n]*\r\n)/, `$1i=(o=IN IP4 ${INSIDE})\r\n`), 'utf8');
  }
  if (edits.length === 0 && body === undefined) return buf;
  const out = spliceSip(buf, msg, edits, body !== undefined ? { body } : {});
  if (p !== 'broken-content-length' || msg.contentLength === null) return out;
  const again = parse(out);
  const cl = again.headers.find((h) => h.key === 'content-length')!;
  return spliceSip(out, again, [{ op: 'replace', header: cl, line: headerWithValue(cl, String(msg.contentLength)) }]);
}

/** the inbound message as the box delivers it inside: the top Via and Call-ID restored */
export function rewriteInbound(buf: Buffer, p: AlgPersonality): Buffer {
  if (p === 'plain-nat') return buf;
  const msg = parse(buf);
  const edits = headerEdits(msg, p === 'partial-via' ? p : p, PUBLIC, INSIDE).filter((e) => e.op === 'replace' && (e.header.key === 'via' || e.header.key === 'call-id'));
  return edits.length === 0 ? buf : spliceSip(buf, msg, edits);
}

interface Pair { inside: Wire[]; outside: Wire[] }

function sipPair(p: AlgPersonality): Pair {
  const d = dialog();
  const outMsgs: Array<[number, Buffer]> = [[0, sipInvite(d)], [300, sipAck(d)], [3000, sipBye(d)]];
  const inMsgs: Array<[number, Buffer]> = [[20, sipResponse(d, 100, 'INVITE')], [100, sipResponse(d, 180, 'INVITE')], [280, sipResponse(d, 200, 'INVITE')], [3020, sipResponse(d, 200, 'BYE')]];
  const inside: Wire[] = [];
  const outside: Wire[] = [];
  for (const [t, m] of outMsgs) {
    inside.push({ t, src: INSIDE, sport: 5060, dst: PEER, dport: 5060, payload: m });
    outside.push({ t: t + 1, src: PUBLIC, sport: 5060, dst: PEER, dport: 5060, payload: rewriteOutbound(m, p) });
  }
  for (const [t, m] of inMsgs) {
    // the callee answers the request as it arrived: its Via (and Call-ID) are the rewritten ones
    const seen = parse(rewriteOutbound(sipInvite(d), p));
    const answered = rewriteAnswer(m, seen);
    outside.push({ t, src: PEER, sport: 5060, dst: PUBLIC, dport: 5060, payload: answered });
    inside.push({ t: t + 1, src: PEER, sport: 5060, dst: INSIDE, dport: 5060, payload: rewriteInbound(answered, p) });
  }
  return { inside, outside };
}

/** a response built for the original request, carrying the top Via and Call-ID the callee saw */
function rewriteAnswer(resp: Buffer, seen: SipMessage): Buffer {
  const msg = parse(resp);
  const edits: SipEdit[] = [];
  const via = seen.headers.find((h) => h.key === 'via');
  const callId = seen.headers.find((h) => h.key === 'call-id');
  const rVia = msg.headers.find((h) => h.key === 'via');
  const rCallId = msg.headers.find((h) => h.key === 'call-id');
  if (via !== undefined && rVia !== undefined) {
    // the callee fills in received= (RFC 3261 18.2.1) and rport (RFC 3581) from the packet's source
    const v = via.value.replace(/;rport(?![=\w])/, ';rport=5060');
    edits.push({ op: 'replace', header: rVia, line: `Via: ${v}${v.includes(PUBLIC) ? '' : `;received=${PUBLIC}`}` });
  }
  if (callId !== undefined && rCallId !== undefined) edits.push({ op: 'replace', header: rCallId, line: callId.raw });
  return spliceSip(resp, msg, edits);
}

function rtp(p: AlgPersonality, opts: AlgCallOptions): Pair {
  const n = opts.rtpPackets ?? 50;
  const natPort = opts.rtpNatPort ?? (p === 'siproxd' ? SIPROXD_RTP : 4000);
  const inside: Wire[] = [];
  const outside: Wire[] = [];
  const payload = Buffer.alloc(160, 0xd5);
  for (let i = 0; i < n; i++) {
    const t = 400 + i * 20;
    const up = encodeRtpPacket({ payloadType: 8, sequence: 1000 + i, timestamp: 8000 + i * 160, ssrc: 0x11111111 }, payload);
    const down = encodeRtpPacket({ payloadType: 8, sequence: 5000 + i, timestamp: 16000 + i * 160, ssrc: 0x22222222 }, payload);
    inside.push({ t, src: INSIDE, sport: 4000, dst: PEER, dport: 20000, payload: up });
    outside.push({ t: t + 1, src: PUBLIC, sport: natPort, dst: PEER, dport: 20000, payload: up });
    outside.push({ t: t + 5, src: PEER, sport: 20000, dst: PUBLIC, dport: natPort, payload: down });
    inside.push({ t: t + 6, src: PEER, sport: 20000, dst: INSIDE, dport: 4000, payload: down });
  }
  return { inside, outside };
}

const LINK: LinkSpec = { type: 'ethernet', vlans: [], srcMac: Uint8Array.of(2, 0, 0, 0, 0, 1), dstMac: Uint8Array.of(2, 0, 0, 0, 0, 2) };

function write(path: string, wires: Wire[], clockOffsetMs: number): void {
  const w = new PcapWriter(path, { linkType: LINKTYPE_ETHERNET });
  const base = 1_780_000_000_000 + clockOffsetMs;
  wires.sort((a, b) => a.t - b.t).forEach((x, i) => {
    const ms = base + x.t;
    const ip = { version: 4 as const, src: parseAddress(x.src), dst: parseAddress(x.dst), dscp: x.dport === 5060 || x.sport === 5060 ? 24 : 46, ttl: 64, id: i + 1 };
    w.write(Math.floor(ms / 1000), (ms % 1000) * 1e6, udpFrame(LINK, ip, x.sport, x.dport, x.payload));
  });
  w.close();
}

/** the inside and outside captures of one call through a box with this personality */
export function writeAlgCaptures(p: AlgPersonality, insidePath: string, outsidePath: string, opts: AlgCallOptions = {}): void {
  const sip = sipPair(p);
  const media = rtp(p, opts);
  write(insidePath, [...sip.inside, ...media.inside], 0);
  // the outside capture's clock is off by 7.3 s: alg-diff must not rely on the clocks agreeing
  write(outsidePath, [...sip.outside, ...media.outside], 7300);
}
