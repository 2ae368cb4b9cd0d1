/**
 * SDP (RFC 4566 / 8866), reduced to the typed view the call tracker needs: where media will flow
 * (connection + port, RTCP port, rtcp-mux), which payload types mean what, direction and whether it
 * is SRTP. Never throws: bad input gives { ok: false, reason }.
 *
 * Own line scanner rather than sdp-transform: that parser tries its ~80 grammar regexes per line and
 * builds a generic object for every attribute; a capture with a few thousand calls paid most of its SIP
 * time there, while V8 was still interpreting it. This reads only the lines below, with the same
 * grammar as sdp-transform's rules for them (test/unit/decode/sdp-oracle.test.ts holds it to that,
 * with sdp-transform as the reference): o=, c=, m=, a=rtpmap, a=ptime, a=rtcp, a=rtcp-mux,
 * a=sendrecv|sendonly|recvonly|inactive, a=crypto. Everything else is skipped.
 *
 * It also keeps where the lines sit (sdp-lines.ts): every line's bounds, and references to the o=,
 * c=, m= and a=rtcp lines its values came from, as a non-enumerable `source` on the description and
 * on each media section. Non-enumerable because it is not part of the value: the description still
 * compares equal to sdp-transform's and serialises as before.
 */
import { staticPayloadType } from './rtp-payload-types.js';
import {
  SdpInput, SdpLineCursor, SdpLineRef, SdpSourceImpl, type SdpMediaSource, type SdpSource,
} from './sdp-lines.js';

export type { SdpLine, SdpMediaSource, SdpSource } from './sdp-lines.js';

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface SdpConnection {
  address: string;
  ipVersion: 4 | 6;
}

export interface RtpMapEntry {
  codec: string;
  clockRate: number;
  channels?: number;
}

export interface MediaDescription {
  /** 'audio' | 'video' | 'image' | 'application' | ... */
  type: string;
  port: number;
  /** 'RTP/AVP', 'RTP/SAVP', 'UDP/TLS/RTP/SAVPF', 'udptl', ... */
  protocol: string;
  payloadTypes: number[];
  rtpmap: Map<number, RtpMapEntry>;
  ptime?: number;
  /** media-level c= when present, otherwise the session-level one */
  connection?: SdpConnection;
  /** a=rtcp port (RFC 3605) */
  rtcpPort?: number;
  rtcpAddress?: string;
  rtcpMux: boolean;
  /** media-level attribute, else session-level, else sendrecv (RFC 4566 6) */
  direction: MediaDirection;
  /** a=crypto present (SDES SRTP, RFC 4568) or a SAVP profile */
  crypto: boolean;
}

export interface SessionDescription {
  origin: {
    username: string;
    sessionId: string;
    sessionVersion: string;
    address: string;
    addressType: string;
  };
  connection?: SdpConnection;
  media: MediaDescription[];
}

export type SdpResult = { ok: true; sdp: SessionDescription } | { ok: false; reason: string };

/** A media section as parseSdp returns it: the value, and (non-enumerable) where its lines sit. */
export interface ParsedMediaDescription extends MediaDescription {
  readonly source: SdpMediaSource;
}

/** A description as parseSdp returns it: the value, and (non-enumerable) where its lines sit. */
export interface ParsedSessionDescription extends SessionDescription {
  media: ParsedMediaDescription[];
  readonly source: SdpSource;
}

export type ParsedSdpResult = { ok: true; sdp: ParsedSessionDescription } | { ok: false; reason: string };

/** one m= section while it is being read */
interface MediaSection {
  /** null when the m= line did not match the grammar (reported as a bad port, as before) */
  type: string | null;
  port: number;
  protocol: string;
  payloads: string;
  rtpmap: Map<number, RtpMapEntry>;
  ptime: number | undefined;
  connection: SdpConnection | null | undefined;
  /** NaN: an a=rtcp line whose port is unusable */
  rtcpPort: number | undefined;
  /** a later a=rtcp without an address keeps the earlier one's */
  rtcpAddress: string | undefined;
  rtcpMux: boolean;
  direction: MediaDirection | undefined;
  crypto: boolean;
  /** the m= line, the section's c= and a=rtcp lines, and where the section ends */
  line: SdpLineRef;
  connectionLines: SdpLineRef[] | null;
  rtcpLines: SdpLineRef[] | null;
  end: number;
}

const ORIGIN = /^(\S*) (\d*) (\d*) (\S*) IP(\d) (\S*)/;
const CONNECTION = /^IN IP(\d) (\S*)/;
const MEDIA = /^(\w*) (\d*)(?:\/(\d*))? ([\w/]*)(?: (.*))?/;
const RTPMAP = /^rtpmap:(\d*) ([\w\-.]*)(?:\s*\/(\d*)(?:\s*\/(\S*))?)?/;
const PTIME = /^ptime:(\d*(?:\.\d*)*)/;
const RTCP = /^rtcp:(\d*)(?: (\S*) IP(\d) (\S*))?/;
const CRYPTO = /^crypto:(\d*) ([\w_]*) (\S*)/;
const DIRECTION = /^(sendrecv|recvonly|sendonly|inactive)/;

/**
 * parseSdp of a message body, parsed once however many readers ask (the call tracker, then the ALG
 * detector, for the same SIP message): results are kept per Buffer object, weakly, so they live
 * exactly as long as the message's body view. For bodies that are not modified after parsing
 * (message views are not); treat the result as read-only.
 */
const parsedBodies = new WeakMap<Buffer, ParsedSdpResult>();

export function parseSdpOnce(body: Buffer): ParsedSdpResult {
  let r = parsedBodies.get(body);
  if (r === undefined) {
    r = parseSdp(body);
    parsedBodies.set(body, r);
  }
  return r;
}

export function parseSdp(body: Buffer | string): ParsedSdpResult {
  const input = new SdpInput(body);
  const text = input.text;
  if (!startsWithV0(input)) return { ok: false, reason: 'does not start with v=0' };
  let origin: SessionDescription['origin'] | undefined;
  let session: SdpConnection | undefined;
  let sessionDir: MediaDirection | undefined;
  const src = new SdpSourceImpl(input);
  const sections: MediaSection[] = [];
  let m: MediaSection | null = null;
  const line = new SdpLineCursor(text);
  while (line.advance()) {
    // a line is <lower-case letter>=<value>; anything else is skipped, and only m=, c=, o= and a= are read
    if (line.end - line.start < 2 || text.charCodeAt(line.start + 1) !== 0x3d) continue;
    const type = text.charCodeAt(line.start);
    if (type !== 0x6d && type !== 0x63 && type !== 0x6f && type !== 0x61) continue;
    const value = input.str(line.start + 2, line.end);
    if (type === 0x6d /* m */) {
      if (m !== null) m.end = line.start;
      m = mediaSection(value, SdpLineRef.at(input, line), input.length);
      sections.push(m);
    } else if (type === 0x63 /* c */) {
      const c = connectionOf(value);
      if (c === undefined) continue; // no match: the line is not a connection line
      const ref = SdpLineRef.at(input, line);
      if (m === null) {
        session = c ?? undefined;
        src.connections.push(ref);
      } else {
        m.connection = c;
        (m.connectionLines ??= []).push(ref);
      }
    } else if (type === 0x6f /* o */) {
      const o = m === null ? originOf(value) : undefined;
      if (o !== undefined) {
        origin = o;
        src.origin = SdpLineRef.at(input, line);
      }
    } else if (type === 0x61 /* a */) {
      if (m === null) sessionDir = directionOf(value) ?? sessionDir;
      else if (attribute(m, value)) (m.rtcpLines ??= []).push(SdpLineRef.at(input, line));
    }
  }
  if (origin === undefined) return { ok: false, reason: 'no o= line' };
  const media: ParsedMediaDescription[] = [];
  for (const s of sections) {
    if (s.type === null) return { ok: false, reason: 'm=undefined has a bad port' };
    if (s.port < 0) return { ok: false, reason: `m=${s.type} has a bad port` };
    media.push(toMedia(s, session, sessionDir));
  }
  const sdp = { origin, media } as SessionDescription as ParsedSessionDescription;
  if (session !== undefined) sdp.connection = session;
  Object.defineProperty(sdp, 'source', { value: src });
  return { ok: true, sdp };
}

const NO_LINES: readonly SdpLineRef[] = Object.freeze([]);

/** RFC 4566 5: an SDP description starts with "v=0"; leading blank lines tolerated */
const V0 = /^\s*v=0[ \t]*(?:\r?\n|$)/;

/**
 * Asked of the UTF-8 text (\s takes in U+FEFF and other non-ASCII spaces); the latin1 text answers
 * the same when the match ends before the first non-ASCII byte, the common case.
 */
function startsWithV0(input: SdpInput): boolean {
  const m = V0.exec(input.text);
  if (m !== null && m[0].length <= input.asciiEnd) return true;
  return input.asciiEnd < input.length && V0.test(input.decoded());
}

/** the value as an integer when it is written canonically ("8000", not "08000" or ""), else NaN */
function canonicalInt(s: string | undefined): number {
  if (s === undefined || s === '') return NaN;
  const n = Number(s);
  return Number.isInteger(n) && String(n) === s ? n : NaN;
}

/** text that reads back as a number ("12", "1.5", "NaN"): not an address (sdp-transform's rule) */
function readsAsNumber(s: string): boolean {
  return String(Number(s)) === s;
}

function originOf(value: string): SessionDescription['origin'] | undefined {
  const o = ORIGIN.exec(value);
  if (o === null) return undefined;
  return { username: o[1]!, sessionId: o[2]!, sessionVersion: o[3]!, address: o[6]!, addressType: `IP${o[5]}` };
}

/** undefined: not a connection line; null: one without a usable address */
function connectionOf(value: string): SdpConnection | null | undefined {
  const c = CONNECTION.exec(value);
  if (c === null) return undefined;
  const ip = c[2]!;
  // an address that reads as a plain integer is no address (sdp-transform turns it into a number)
  if (ip.length === 0 || readsAsNumber(ip)) return null;
  // c=IN IP4 224.2.1.1/127/3: keep the address, drop TTL / count
  return { address: ip.split('/')[0]!, ipVersion: c[1] === '6' ? 6 : 4 };
}

function directionOf(value: string): MediaDirection | undefined {
  const d = DIRECTION.exec(value);
  return d === null ? undefined : (d[1] as MediaDirection);
}

function mediaSection(value: string, line: SdpLineRef, end: number): MediaSection {
  const r = MEDIA.exec(value);
  const port = r === null ? -1 : canonicalInt(r[2]);
  return {
    type: r === null ? null : r[1]!,
    port: Number.isNaN(port) || port > 65535 ? -1 : port,
    protocol: r === null ? '' : r[4]!,
    payloads: r?.[5] ?? '',
    rtpmap: new Map(),
    ptime: undefined,
    connection: undefined,
    rtcpPort: undefined,
    rtcpAddress: undefined,
    rtcpMux: false,
    direction: undefined,
    crypto: false,
    line,
    connectionLines: null,
    rtcpLines: null,
    end,
  };
}

/** a media-level a= line; the first letter picks the only rules that could match. True for an a=rtcp line. */
function attribute(m: MediaSection, value: string): boolean {
  switch (value.charCodeAt(0)) {
    case 0x72 /* r */: {
      if (value.startsWith('rtpmap:')) rtpmapOf(m, value);
      else if (value.startsWith('rtcp:')) return rtcpOf(m, value);
      else if (value.startsWith('rtcp-mux')) m.rtcpMux = true;
      else if (value.startsWith('recvonly')) m.direction = 'recvonly';
      return false;
    }
    case 0x70 /* p */: {
      const p = PTIME.exec(value);
      if (p !== null) m.ptime = Number(p[1]);
      return false;
    }
    case 0x63 /* c */:
      if (CRYPTO.test(value)) m.crypto = true;
      return false;
    default:
      m.direction = directionOf(value) ?? m.direction;
      return false;
  }
}

function rtpmapOf(m: MediaSection, value: string): void {
  const r = RTPMAP.exec(value);
  if (r === null) return;
  const pt = canonicalInt(r[1]);
  if (Number.isNaN(pt) || pt > 127) return;
  const entry: RtpMapEntry = { codec: r[2]!, clockRate: r[3] === undefined ? 0 : Number(r[3]) };
  const ch = Number(r[4]);
  if (r[4] !== undefined && Number.isInteger(ch) && ch > 0) entry.channels = ch;
  m.rtpmap.set(pt, entry);
}

function rtcpOf(m: MediaSection, value: string): boolean {
  const r = RTCP.exec(value);
  if (r === null) return false;
  // a later a=rtcp replaces an earlier one's port, also with an unusable one
  m.rtcpPort = canonicalInt(r[1]);
  if (r[4] !== undefined) m.rtcpAddress = r[4];
  return true;
}

function toMedia(
  s: MediaSection, session: SdpConnection | undefined, sessionDir: MediaDirection | undefined,
): ParsedMediaDescription {
  const payloadTypes: number[] = [];
  for (const tok of s.payloads.trim().split(/\s+/)) {
    if (/^\d{1,3}$/.test(tok) && Number(tok) < 128) payloadTypes.push(Number(tok));
  }
  const md: MediaDescription = {
    type: s.type!,
    port: s.port,
    protocol: s.protocol,
    payloadTypes,
    rtpmap: s.rtpmap,
    rtcpMux: s.rtcpMux,
    direction: s.direction ?? sessionDir ?? 'sendrecv',
    crypto: s.crypto || /SAVP/i.test(s.protocol),
  };
  if (s.ptime !== undefined && Number.isFinite(s.ptime)) md.ptime = s.ptime;
  const conn = s.connection ?? session;
  if (conn !== undefined && conn !== null) md.connection = conn;
  if (s.rtcpPort !== undefined && !Number.isNaN(s.rtcpPort)) {
    md.rtcpPort = s.rtcpPort;
    if (s.rtcpAddress !== undefined && !readsAsNumber(s.rtcpAddress)) md.rtcpAddress = s.rtcpAddress;
  }
  const source: SdpMediaSource = {
    media: s.line, connections: s.connectionLines ?? NO_LINES, rtcp: s.rtcpLines ?? NO_LINES, end: s.end,
  };
  Object.defineProperty(md, 'source', { value: source });
  return md as ParsedMediaDescription;
}

export interface PayloadInfo {
  codec: string;
  clockRate: number;
  /** the m= line's a=ptime, ms (RFC 4566 6), when it has one */
  ptime?: number;
}

/**
 * Payload type -> codec and clock for one m= line, as Wireshark's RTP dissector would name it:
 * static types (< 96) by their RFC 3551 short name, dynamic ones by the a=rtpmap encoding name.
 * Dynamic types without an rtpmap carry no information and are left out.
 */
export function resolvePayloads(media: MediaDescription): Map<number, PayloadInfo> {
  const out = new Map<number, PayloadInfo>();
  const ptime = media.ptime !== undefined && media.ptime > 0 ? { ptime: media.ptime } : {};
  for (const pt of media.payloadTypes) {
    const fixed = staticPayloadType(pt);
    const mapped = media.rtpmap.get(pt);
    if (pt < 96 && fixed !== undefined) {
      out.set(pt, { codec: fixed.codec, clockRate: mapped !== undefined && mapped.clockRate > 0 ? mapped.clockRate : fixed.clockRate, ...ptime });
    } else if (mapped !== undefined) {
      out.set(pt, { codec: mapped.codec, clockRate: mapped.clockRate, ...ptime });
    }
  }
  return out;
}
