/**
 * Rewrites where an SDP description says media flows (RFC 4566 / 8866): the c= address (session and
 * media level), the o= address and version, the m= port and the a=rtcp port and address (RFC 3605),
 * per media section, by the line offsets parseSdp kept. Every other byte stays as it was, line
 * breaks included (CRLF, LF or a mixture); lines added use the break the description already uses.
 * What an anchoring proxy does to an offer or answer before relaying it.
 */
import { isAscii } from 'node:buffer';
import type { ParsedSessionDescription, SdpLine } from '../decode/sdp.js';
import { applyEdits, assertOneLine, type ByteEdit } from './byte-edits.js';

export interface SdpAddressRewrite {
  address: string;
  /** default: 6 when the address holds a ":", else 4 */
  ipVersion?: 4 | 6;
}

export interface SdpOriginRewrite {
  address?: string;
  ipVersion?: 4 | 6;
  /** 'bump': one more than written (RFC 3264 8: a changed description gets a higher version); or digits */
  version?: 'bump' | string;
}

export interface SdpRtcpRewrite {
  port?: number;
  /** added to an a=rtcp line without one */
  address?: string;
  ipVersion?: 4 | 6;
}

export interface SdpMediaRewrite {
  port?: number;
  /** the section's c= lines; a section without one gets one after its m= (and i=) line */
  connection?: SdpAddressRewrite;
  /** the section's a=rtcp lines; a section without one gets one (when a port is given) at its end */
  rtcp?: SdpRtcpRewrite;
}

export interface SdpRewrite {
  origin?: SdpOriginRewrite;
  /** every c= line, session and media level, except in sections whose rewrite names its own */
  connection?: SdpAddressRewrite;
  /** by media section index (sdp.media order) */
  media?: ReadonlyArray<SdpMediaRewrite | undefined>;
}

// the decoder's grammar for these lines (src/decode/sdp.ts), with indices of the parts rewritten
const ORIGIN = /^o=(\S*) (\d*) (\d*) (\S*) IP(\d) (\S*)/d;
const CONNECTION = /^c=IN IP(\d) ([^\s/]*)/d;
const MEDIA = /^m=(\w*) (\d*)/d;
const RTCP = /^a=rtcp:(\d*)(?: (\S*) IP(\d) (\S*))?/d;

type Spans = Array<[number, number] | undefined>;

/**
 * The byte spans of the groups of `re` in the line. The decoder matched the UTF-8 text: for an ASCII
 * line its indices are the bytes'; otherwise they are mapped to bytes, which holds for valid UTF-8
 * only (a line to rewrite that is not valid UTF-8 cannot be located: Error).
 */
function spans(buf: Uint8Array, line: SdpLine, re: RegExp): Spans {
  const bytes = Buffer.from(buf.buffer, buf.byteOffset + line.start, line.end - line.start);
  const ascii = isAscii(bytes);
  const text = ascii ? bytes.toString('latin1') : line.raw;
  const m = re.exec(text);
  if (m?.indices === undefined) throw new Error(`the line at ${line.start} does not read as ${re.source}`);
  if (!ascii && Buffer.byteLength(text, 'utf8') !== bytes.length) throw new Error(`the line at ${line.start} is not valid UTF-8`);
  const at = (i: number): number => line.start + (ascii ? i : Buffer.byteLength(text.slice(0, i), 'utf8'));
  return m.indices.map((g) => (g === undefined ? undefined : [at(g[0]), at(g[1])]));
}

function span(s: Spans, group: number): [number, number] {
  const g = s[group];
  if (g === undefined) throw new Error(`group ${group} did not take part in the match`);
  return g;
}

function checkAddress(a: string): void {
  assertOneLine(a, 'an SDP address');
  if (a.length === 0 || /\s/.test(a)) throw new RangeError(`not an SDP address: ${JSON.stringify(a)}`);
}

function checkPort(p: number): void {
  if (!(Number.isInteger(p) && p >= 0 && p <= 65535)) throw new RangeError(`port ${p} is not 0..65535`);
}

const ipVersionOf = (r: { address?: string; ipVersion?: 4 | 6 }): string =>
  String(r.ipVersion ?? (r.address?.includes(':') === true ? 6 : 4));

function connectionEdits(buf: Uint8Array, line: SdpLine, r: SdpAddressRewrite, out: ByteEdit[]): void {
  checkAddress(r.address);
  const s = spans(buf, line, CONNECTION);
  const [v0, v1] = span(s, 1);
  const [a0, a1] = span(s, 2);
  out.push({ start: v0, end: v1, bytes: ipVersionOf(r) }, { start: a0, end: a1, bytes: r.address });
}

function nextVersion(written: string, v: 'bump' | string): string {
  if (v !== 'bump') {
    if (!/^\d+$/.test(v)) throw new RangeError(`session version ${JSON.stringify(v)} is not digits`);
    return v;
  }
  // session versions are often NTP-sized or larger: beyond 2^53, so BigInt
  return (BigInt(written === '' ? '0' : written) + 1n).toString();
}

function originEdits(buf: Uint8Array, sdp: ParsedSessionDescription, r: SdpOriginRewrite, out: ByteEdit[]): void {
  const s = spans(buf, sdp.source.origin, ORIGIN);
  if (r.version !== undefined) {
    const [b0, b1] = span(s, 3);
    out.push({ start: b0, end: b1, bytes: nextVersion(sdp.origin.sessionVersion, r.version) });
  }
  if (r.address !== undefined) {
    checkAddress(r.address);
    const [v0, v1] = span(s, 5);
    const [a0, a1] = span(s, 6);
    out.push({ start: v0, end: v1, bytes: ipVersionOf(r) }, { start: a0, end: a1, bytes: r.address });
  } else if (r.ipVersion !== undefined) {
    const [v0, v1] = span(s, 5);
    out.push({ start: v0, end: v1, bytes: String(r.ipVersion) });
  }
}

function rtcpEdits(buf: Uint8Array, line: SdpLine, r: SdpRtcpRewrite, out: ByteEdit[]): void {
  const s = spans(buf, line, RTCP);
  const [p0, p1] = span(s, 1);
  if (r.port !== undefined) out.push({ start: p0, end: p1, bytes: String(r.port) });
  if (r.address === undefined) return;
  checkAddress(r.address);
  const addr = s[4];
  if (addr === undefined) {
    out.push({ start: p1, end: p1, bytes: ` IN IP${ipVersionOf(r)} ${r.address}` });
  } else {
    const [v0, v1] = span(s, 3);
    out.push({ start: v0, end: v1, bytes: ipVersionOf(r) }, { start: addr[0], end: addr[1], bytes: r.address });
  }
}

/** the line break the description uses: its first line's, CRLF when it has none */
function lineBreakOf(buf: Uint8Array, lines: readonly SdpLine[]): string {
  const l = lines.find((x) => x.next > x.end);
  return l === undefined ? '\r\n' : Buffer.from(buf.buffer, buf.byteOffset + l.end, l.next - l.end).toString('latin1');
}

/** an edit that adds `text` as a new line after `line` */
function lineAfter(line: SdpLine, text: string, eol: string): ByteEdit {
  assertOneLine(text, 'an SDP line');
  return line.next > line.end
    ? { start: line.next, end: line.next, bytes: text + eol }
    : { start: line.end, end: line.end, bytes: eol + text };
}

/** the lines of section i: from its m= line up to the next one */
function sectionLines(sdp: ParsedSessionDescription, i: number): SdpLine[] {
  const src = sdp.media[i]!.source;
  return sdp.source.lines.filter((l) => l.start >= src.media.start && l.start < src.end);
}

function mediaEdits(buf: Uint8Array, sdp: ParsedSessionDescription, i: number, rw: SdpRewrite, out: ByteEdit[], eol: string): void {
  const src = sdp.media[i]!.source;
  const r = rw.media?.[i];
  if (r?.port !== undefined) {
    checkPort(r.port);
    const [p0, p1] = span(spans(buf, src.media, MEDIA), 2);
    out.push({ start: p0, end: p1, bytes: String(r.port) });
  }
  const conn = r?.connection ?? rw.connection;
  if (conn !== undefined) for (const l of src.connections) connectionEdits(buf, l, conn, out);
  if (r?.connection !== undefined && src.connections.length === 0) {
    checkAddress(r.connection.address);
    const lines = sectionLines(sdp, i);
    let k = 0; // RFC 4566 5: m=, then i=, then c=
    while (k + 1 < lines.length && lines[k + 1]!.raw.startsWith('i=')) k++;
    out.push(lineAfter(lines[k]!, `c=IN IP${ipVersionOf(r.connection)} ${r.connection.address}`, eol));
  }
  const rtcp = r?.rtcp;
  if (rtcp === undefined) return;
  if (rtcp.port !== undefined) checkPort(rtcp.port);
  if (src.rtcp.length > 0) {
    for (const l of src.rtcp) rtcpEdits(buf, l, rtcp, out);
  } else if (rtcp.port !== undefined) {
    const lines = sectionLines(sdp, i).filter((l) => l.end > l.start);
    if (rtcp.address !== undefined) checkAddress(rtcp.address);
    const addr = rtcp.address === undefined ? '' : ` IN IP${ipVersionOf(rtcp)} ${rtcp.address}`;
    out.push(lineAfter(lines[lines.length - 1]!, `a=rtcp:${rtcp.port}${addr}`, eol));
  }
}

/**
 * The description `buf` (what parseSdp was given: a Buffer, offsets are its bytes) with the
 * rewrite applied; an empty rewrite gives the same bytes. Bad values (a port beyond 65535, an
 * address with spaces) are a caller's mistake: RangeError.
 */
export function rewriteSdp(buf: Uint8Array, sdp: ParsedSessionDescription, rw: SdpRewrite): Buffer {
  const out: ByteEdit[] = [];
  const eol = lineBreakOf(buf, sdp.source.lines);
  if (rw.origin !== undefined) originEdits(buf, sdp, rw.origin, out);
  if (rw.connection !== undefined) for (const l of sdp.source.connections) connectionEdits(buf, l, rw.connection, out);
  for (let i = 0; i < sdp.media.length; i++) mediaEdits(buf, sdp, i, rw, out, eol);
  return applyEdits(buf, out, 0, sdp.source.end);
}
