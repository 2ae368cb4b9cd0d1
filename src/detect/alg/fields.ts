/**
 * The address fields of one SIP message that say where its sender is (RFC 3261 18.2.1 Via sent-by,
 * 8.1.1.8 Contact; RFC 4566 5.2 o= and 5.7 c=), each with the exact line it came from: what the
 * checks compare with the packet's IP header and quote as evidence. Pure: a message in, fields out.
 */
import { parseSdpOnce, type ParsedSessionDescription } from '../../decode/sdp.js';
import type { SipMessage } from '../../decode/sip/types.js';
import { addressKind, bareAddress, type AddressKind } from './addresses.js';

export type FieldName = 'Via' | 'Contact' | 'c=' | 'o=';

export interface AddressField {
  name: FieldName;
  /** the address as written, without brackets */
  address: string;
  port: number | null;
  kind: AddressKind;
  /** the header or SDP line exactly as received */
  line: string;
}

/** true for the SDP fields (c=, o=) */
export function isSdpField(f: AddressField): boolean {
  return f.name === 'c=' || f.name === 'o=';
}

function field(name: FieldName, host: string, port: number | null, line: string): AddressField {
  const address = bareAddress(host);
  return { name, address, port, kind: addressKind(address), line };
}

/** the SDP of a message with an application/sdp body, or null */
export function sdpOf(msg: SipMessage): ParsedSessionDescription | null {
  if (msg.body.length === 0 || !/application\/sdp/i.test(msg.contentType ?? '')) return null;
  const r = parseSdpOnce(msg.body);
  return r.ok ? r.sdp : null;
}

function sdpFields(sdp: ParsedSessionDescription): AddressField[] {
  const out: AddressField[] = [];
  const o = sdp.origin;
  if (o.address !== '' && o.address !== '0.0.0.0') out.push(field('o=', o.address, null, sdp.source.origin.raw));
  const seen = new Set<string>();
  const conns = [...sdp.source.connections, ...sdp.media.flatMap((m) => m.source.connections)];
  for (const line of conns) {
    const m = /^c=IN IP[46] ([^\s/]+)/.exec(line.raw);
    if (m === null || m[1] === '0.0.0.0' || seen.has(line.raw)) continue;
    seen.add(line.raw);
    out.push(field('c=', m[1] ?? '', null, line.raw));
  }
  return out;
}

/**
 * The fields that describe the sender: a request's top Via (the sender's own, RFC 3261 8.1.1.7),
 * Contact (requests and responses) and the SDP's o= and c=. A response's Via names the client, not
 * the sender, and is left to the received/rport check.
 */
export function senderFields(msg: SipMessage, sdp: ParsedSessionDescription | null): AddressField[] {
  const out: AddressField[] = [];
  if (msg.kind === 'request') {
    const v = msg.via[0];
    const h = msg.headers.find((x) => x.key === 'via');
    if (v !== undefined && h !== undefined) out.push(field('Via', v.host, v.port, h.raw));
  }
  const ch = msg.headers.find((x) => x.key === 'contact');
  const c = msg.contact[0];
  if (c !== undefined && ch !== undefined) out.push(field('Contact', c.uri.host, c.uri.port, ch.raw));
  if (sdp !== null) out.push(...sdpFields(sdp));
  return out;
}
