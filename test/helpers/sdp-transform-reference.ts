/**
 * The reference for src/decode/sdp.ts: the SDP view built the way voipready first built it, through
 * sdp-transform's generic parser. The project's own line scanner must give the same answer for every
 * description (test/unit/decode/sdp-oracle.test.ts); sdp-transform stays a dev dependency for this.
 */
import sdpTransform from 'sdp-transform';
import type { MediaDescription, MediaDirection, RtpMapEntry, SdpConnection, SdpResult, SessionDescription } from '../../src/decode/sdp.js';

type RawSdp = ReturnType<typeof sdpTransform.parse>;
type RawMedia = RawSdp['media'][number];

export function parseSdpWithSdpTransform(body: Buffer | string): SdpResult {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  // RFC 4566 5: an SDP description starts with "v=0"; leading blank lines tolerated
  if (!/^\s*v=0[ \t]*(?:\r?\n|$)/.test(text)) {
    return { ok: false, reason: 'does not start with v=0' };
  }
  let raw: RawSdp;
  try {
    raw = sdpTransform.parse(text);
  } catch (err) {
    // sdp-transform is a third-party parser: contain whatever it throws
    return { ok: false, reason: `sdp-transform: ${(err as Error).message}` };
  }
  const o = raw.origin;
  if (o === undefined || o === null) return { ok: false, reason: 'no o= line' };
  const session = toConnection(raw.connection);
  const sessionDir = directionOf(raw as { direction?: string });
  const media: MediaDescription[] = [];
  for (const m of raw.media ?? []) {
    const md = toMedia(m, session, sessionDir);
    if (typeof md === 'string') return { ok: false, reason: md };
    media.push(md);
  }
  const sdp: SessionDescription = {
    origin: {
      username: String(o.username),
      sessionId: String(o.sessionId),
      sessionVersion: String(o.sessionVersion),
      address: String(o.address),
      addressType: `IP${o.ipVer}`,
    },
    media,
  };
  if (session !== undefined) sdp.connection = session;
  return { ok: true, sdp };
}

function toConnection(c: { version: number; ip: string } | undefined): SdpConnection | undefined {
  if (c === undefined || typeof c.ip !== 'string' || c.ip.length === 0) return undefined;
  // c=IN IP4 224.2.1.1/127/3: keep the address, drop TTL / count
  return { address: c.ip.split('/')[0]!, ipVersion: c.version === 6 ? 6 : 4 };
}

function directionOf(x: { direction?: string }): MediaDirection | undefined {
  const d = x.direction;
  return d === 'sendrecv' || d === 'sendonly' || d === 'recvonly' || d === 'inactive' ? d : undefined;
}

function toMedia(m: RawMedia, session: SdpConnection | undefined, sessionDir: MediaDirection | undefined): MediaDescription | string {
  if (!Number.isInteger(m.port) || m.port < 0 || m.port > 65535) return `m=${m.type} has a bad port`;
  const payloadTypes: number[] = [];
  for (const tok of String(m.payloads ?? '').trim().split(/\s+/)) {
    if (/^\d{1,3}$/.test(tok) && Number(tok) < 128) payloadTypes.push(Number(tok));
  }
  const rtpmap = new Map<number, RtpMapEntry>();
  for (const r of m.rtp ?? []) {
    if (!Number.isInteger(r.payload) || r.payload < 0 || r.payload > 127) continue;
    const entry: RtpMapEntry = { codec: String(r.codec), clockRate: Number(r.rate ?? 0) };
    const ch = Number(r.encoding);
    if (r.encoding !== undefined && Number.isInteger(ch) && ch > 0) entry.channels = ch;
    rtpmap.set(r.payload, entry);
  }
  const protocol = String(m.protocol);
  const md: MediaDescription = {
    type: String(m.type),
    port: m.port,
    protocol,
    payloadTypes,
    rtpmap,
    rtcpMux: m.rtcpMux !== undefined,
    direction: directionOf(m as { direction?: string }) ?? sessionDir ?? 'sendrecv',
    crypto: (m.crypto !== undefined && m.crypto.length > 0) || /SAVP/i.test(protocol),
  };
  if (m.ptime !== undefined && Number.isFinite(Number(m.ptime))) md.ptime = Number(m.ptime);
  const conn = toConnection(m.connection) ?? session;
  if (conn !== undefined) md.connection = conn;
  if (m.rtcp !== undefined && Number.isInteger(m.rtcp.port)) {
    md.rtcpPort = m.rtcp.port;
    if (typeof m.rtcp.address === 'string') md.rtcpAddress = m.rtcp.address;
  }
  return md;
}
