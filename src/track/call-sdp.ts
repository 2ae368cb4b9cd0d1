/**
 * From a SIP message to the media its SDP announces. The body is SDP when Content-Type says
 * application/sdp (or is absent and the body starts with "v="), or inside a multipart body
 * (RFC 5621: SIP-T/ISUP, and some PBXs, send multipart/mixed).
 */
import { parseSdpOnce, resolvePayloads } from '../decode/sdp.js';
import type { SipMessage } from '../decode/sip/types.js';
import type { ExpectedMedia } from './call-types.js';

/** The SDP bytes of a message, or null when it carries none. */
export function sdpBodyOf(msg: SipMessage): Buffer | null {
  if (msg.body.length === 0) return null;
  const ct = (msg.contentType ?? '').toLowerCase();
  if (ct.startsWith('application/sdp')) return msg.body;
  if (ct === '') return msg.body[0] === 0x76 && msg.body[1] === 0x3d ? msg.body : null; // "v="
  if (ct.startsWith('multipart/')) return sdpPartOf(msg.body, msg.contentType ?? '');
  return null;
}

/** The first application/sdp part of a multipart body (RFC 2046 5.1.1). */
function sdpPartOf(body: Buffer, ct: string): Buffer | null {
  const m = /boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(ct);
  const boundary = m === null ? null : m[1] ?? m[2];
  if (boundary === undefined || boundary === null) return null;
  const delim = Buffer.from(`--${boundary}`, 'latin1');
  let pos = body.indexOf(delim);
  while (pos >= 0) {
    const partStart = body.indexOf('\n', pos) + 1;
    if (partStart <= 0) return null;
    const next = body.indexOf(delim, partStart);
    const partEnd = next < 0 ? body.length : next;
    const part = body.subarray(partStart, partEnd);
    const split = findBlankLine(part);
    if (split >= 0 && /content-type\s*:\s*application\/sdp/i.test(part.toString('latin1', 0, split))) {
      let e = part.length;
      while (e > split && (part[e - 1] === 0x0a || part[e - 1] === 0x0d)) e--;
      return part.subarray(split, e);
    }
    pos = next;
  }
  return null;
}

function findBlankLine(part: Buffer): number {
  const crlf = part.indexOf('\r\n\r\n');
  if (crlf >= 0) return crlf + 4;
  const lf = part.indexOf('\n\n');
  return lf >= 0 ? lf + 2 : -1;
}

export interface SdpContext {
  callId: string;
  frame: number;
  sdpSide: 'offer' | 'answer';
  sdpOwnerIsCaller: boolean;
}

/** One ExpectedMedia per m= line with a port (port 0 = a rejected or disabled stream, RFC 3264 6). */
export function expectedMediaOf(sdpBytes: Buffer, ctx: SdpContext): ExpectedMedia[] | string {
  const r = parseSdpOnce(sdpBytes);
  if (!r.ok) return r.reason;
  const out: ExpectedMedia[] = [];
  for (const m of r.sdp.media) {
    if (m.port === 0 || m.connection === undefined) continue;
    out.push({
      callId: ctx.callId,
      fromFrame: ctx.frame,
      address: m.connection.address,
      ipVersion: m.connection.ipVersion,
      port: m.port,
      rtcpPort: m.rtcpPort ?? m.port + 1,
      rtcpMux: m.rtcpMux,
      payloads: resolvePayloads(m),
      payloadTypes: m.payloadTypes,
      srtp: m.crypto,
      mediaType: m.type,
      protocol: m.protocol,
      direction: m.direction,
      sdpSide: ctx.sdpSide,
      sdpOwnerIsCaller: ctx.sdpOwnerIsCaller,
    });
  }
  return out;
}
