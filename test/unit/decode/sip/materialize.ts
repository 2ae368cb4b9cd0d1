/**
 * Everything observable about a SIP parse result as plain data: the message's lazily parsed
 * fields (getters: cseq, from, to, via, contact, contactStar, URI params) are read and copied,
 * so two results compare equal exactly when every consumer would see the same values.
 */
import type { SipNameAddr, SipParseResult, SipUri } from '../../../../src/decode/sip/types.js';

function uri(u: SipUri): unknown {
  return { raw: u.raw, scheme: u.scheme, user: u.user, host: u.host, port: u.port, params: { ...u.params } };
}

function nameAddr(n: SipNameAddr | null): unknown {
  return n === null ? null : { displayName: n.displayName, uri: uri(n.uri), tag: n.tag, params: { ...n.params } };
}

/** the body as hex: a view into the input is not comparable across buffers */
export function materialize(r: SipParseResult): unknown {
  if (!r.ok) return { ok: false, code: r.code, offset: r.offset, reason: r.reason };
  const m = r.message;
  return {
    ok: true,
    consumed: r.consumed,
    kind: m.kind,
    method: m.kind === 'request' ? m.method : null,
    requestUri: m.kind === 'request' ? m.requestUri : null,
    status: m.kind === 'response' ? m.status : null,
    reason: m.kind === 'response' ? m.reason : null,
    version: m.version,
    startLine: m.startLine,
    startOffset: m.startOffset,
    startLineEnd: m.startLineEnd,
    headerBlockEnd: m.headerBlockEnd,
    headers: m.headers.map((h) => ({ name: h.name, key: h.key, value: h.value, raw: h.raw, offset: h.offset, end: h.end })),
    callId: m.callId,
    cseq: m.cseq === null ? null : { seq: m.cseq.seq, method: m.cseq.method },
    from: nameAddr(m.from),
    to: nameAddr(m.to),
    via: m.via.map((v) => ({ ...v })),
    contact: m.contact.map((c) => nameAddr(c)),
    contactStar: m.contactStar,
    userAgent: m.userAgent,
    server: m.server,
    contentType: m.contentType,
    contentLength: m.contentLength,
    body: m.body.toString('hex'),
    bodyOffset: m.bodyOffset,
  };
}
