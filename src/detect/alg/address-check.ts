/**
 * Via sent-by, Contact and SDP c=/o= against the packet's IP source: the passive test for NAT and
 * SIP ALGs in one capture. Pure: one message and its packet meta in, observations out.
 *
 * The patterns (behind a public source):
 * - private everywhere (Via, Contact, c=, o=): the endpoint is not NAT-aware and nothing on the path
 *   rewrote SIP (an ALG rewrites at least Via or Contact): plain NAT without ALG, high confidence;
 * - some fields equal the public source, others still private (Via public but Contact private, c=
 *   public but o= private): partly rewritten, the mark of an ALG, which rewrites the fields it knows
 *   (an endpoint that learned its public address, by STUN or configuration, writes it everywhere);
 * - only the Via private, the rest public: a NAT-aware endpoint (RFC 3581 rport lets the Via stay
 *   private): no finding.
 * From a private source, a public address in SIP is a NAT-aware endpoint (STUN, configured external
 * address) or a relay: reported for information only, low confidence.
 */
import type { SipMessage } from '../../decode/sip/types.js';
import type { ParsedSessionDescription } from '../../decode/sdp.js';
import type { PacketMeta } from '../../pipeline/events.js';
import { addressKind, sameAddress } from './addresses.js';
import { isSdpField, senderFields, type AddressField } from './fields.js';
import type { Observation } from './observation.js';

/** "packet 12: IP 198.51.100.1:5060 -> 203.0.113.5:5060 (udp)": the IP header the lines disagree with */
export function ipLine(meta: PacketMeta): string {
  const ep = (a: string, p: number): string => (a.includes(':') ? `[${a}]:${p}` : `${a}:${p}`);
  return `packet ${meta.packet}: IP ${ep(meta.src, meta.srcPort)} -> ${ep(meta.dst, meta.dstPort)} (${meta.transport})`;
}

function quote(f: AddressField, note: string): string {
  return `${f.line}    [${f.name} ${f.address}: ${note}]`;
}

function names(fs: readonly AddressField[]): string {
  return [...new Set(fs.map((f) => f.name))].join(', ');
}

/**
 * The fields a message's sender wrote itself: a request that crossed a proxy (more than one Via)
 * carries the originator's Contact and SDP, so only its top Via speaks for the sender.
 */
function ownFields(msg: SipMessage, sdp: ParsedSessionDescription | null): AddressField[] {
  const all = senderFields(msg, sdp).filter((f) => f.kind !== 'name');
  return msg.kind === 'request' && msg.via.length > 1 ? all.filter((f) => f.name === 'Via') : all;
}

export function checkAddresses(msg: SipMessage, meta: PacketMeta, sdp: ParsedSessionDescription | null): Observation[] {
  const fields = ownFields(msg, sdp);
  if (fields.length === 0) return [];
  const srcKind = addressKind(meta.src);
  if (srcKind === 'public') return behindPublic(fields, msg, meta);
  if (srcKind === 'private') return fromPrivate(fields, msg, meta);
  return [];
}

function base(msg: SipMessage, meta: PacketMeta): Pick<Observation, 'packet' | 'callId'> {
  return { packet: meta.packet, callId: msg.callId };
}

function behindPublic(fields: AddressField[], msg: SipMessage, meta: PacketMeta): Observation[] {
  const priv = fields.filter((f) => f.kind === 'private');
  if (priv.length === 0) return [];
  const asSource = fields.filter((f) => f.kind === 'public' && sameAddress(f.address, meta.src));
  const evidence = [ipLine(meta), ...fields.map((f) => quote(f, f.kind === 'private' ? 'private' : asSource.includes(f) ? 'equals the IP source' : f.kind))];
  if (asSource.length === 0) return notNatAware(priv, fields, msg, meta, evidence);
  if (priv.every((f) => f.name === 'Via')) return [];
  const onlyOrigin = priv.every((f) => f.name === 'o=');
  const cRewritten = onlyOrigin && asSource.some((f) => f.name === 'c=');
  return [{
    ...base(msg, meta), code: 'SIP_ALG_REWRITE', severity: 'warn',
    confidence: onlyOrigin ? 'low' : 'medium',
    reason: cRewritten
      ? 'c= was rewritten to the public source but o= was not: what an ALG that translates only the connection address does (Cisco ASA may leave o=), or an endpoint writing its public address only in c='
      : `partly rewritten: ${names(asSource)} show the public source, ${names(priv)} still private; an endpoint that knows its public address writes it everywhere, an ALG rewrites the fields it handles`,
    message: cRewritten
      ? `SDP c= shows the public source ${meta.src} but o= still the private ${priv[0]!.address}: c= rewritten, o= not`
      : `SIP partly rewritten behind the public source ${meta.src}: ${names(asSource)} public, ${names(priv)} private (${priv.map((f) => f.address).join(', ')})`,
    evidence,
  }];
}

function notNatAware(priv: AddressField[], fields: AddressField[], msg: SipMessage, meta: PacketMeta, evidence: string[]): Observation[] {
  const allPrivate = priv.length === fields.length;
  const confidence = allPrivate ? 'high' : 'medium';
  const reason = allPrivate
    ? 'every address in SIP and SDP is private behind a public IP source: NAT without ALG, the endpoint is not NAT-aware (an ALG would have rewritten Via or Contact)'
    : 'private addresses behind a public IP source, none of the fields shows that source: NAT without ALG, the endpoint is not NAT-aware';
  const out: Observation[] = [];
  const sip = priv.filter((f) => !isSdpField(f));
  const sdp = priv.filter(isSdpField);
  if (sip.length > 0) {
    out.push({
      ...base(msg, meta), code: 'NAT_PRIVATE_ADDRESS_IN_SIP', severity: 'warn', confidence, reason, evidence,
      message: `${names(sip)} name the private ${sip[0]!.address} but the packet comes from the public ${meta.src}: replies and requests to that address will not arrive`,
    });
  }
  if (sdp.length > 0) {
    out.push({
      ...base(msg, meta), code: 'NAT_PRIVATE_ADDRESS_IN_SDP', severity: 'warn', confidence, reason, evidence,
      message: `SDP ${names(sdp)} name the private ${sdp[0]!.address} but the packet comes from the public ${meta.src}: media sent there will not arrive (one-way or no audio)`,
    });
  }
  return out;
}

function fromPrivate(fields: AddressField[], msg: SipMessage, meta: PacketMeta): Observation[] {
  const pub = fields.filter((f) => f.kind === 'public');
  if (pub.length === 0) return [];
  return [{
    ...base(msg, meta), code: 'NAT_PUBLIC_ADDRESS_FROM_PRIVATE_SOURCE', severity: 'info', confidence: 'low',
    reason: 'a NAT-aware endpoint (STUN, a configured external address) or a relay writes public addresses from a private network; nothing is wrong unless the address is not the NAT\'s',
    message: `${names(pub)} name the public ${pub[0]!.address} but the packet comes from the private ${meta.src}`,
    evidence: [ipLine(meta), ...fields.map((f) => quote(f, f.kind))],
  }];
}
