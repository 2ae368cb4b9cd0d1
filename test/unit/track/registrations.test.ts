/**
 * RegistrationTracker on hand-written REGISTER transactions (RFC 3261 10 and 22): outcomes, challenges,
 * credentials refused, the granted expiry (Contact parameter over Expires header), retransmissions,
 * 407 from a proxy, responses without their request, and the bound on bindings.
 */
import { describe, expect, it } from 'vitest';
import { parseSipMessage } from '../../../src/decode/sip/parse.js';
import type { SipMessage } from '../../../src/decode/sip/types.js';
import { RegistrationTracker } from '../../../src/track/registrations.js';
import type { SipMeta } from '../../../src/track/call-types.js';

function msg(lines: string[]): SipMessage {
  const b = Buffer.from(`${lines.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`);
  const r = parseSipMessage(b, 0, b.length);
  if (!r.ok) throw new Error(r.reason);
  return r.message;
}

let packet = 0;
function meta(fromUa: boolean): SipMeta {
  packet++;
  return fromUa
    ? { num: packet, epochMs: 1_700_000_000_000 + packet, srcAddr: '10.0.0.5', srcPort: 5070, dstAddr: '10.0.0.1', dstPort: 5060, transport: 'udp', dscp: 26 }
    : { num: packet, epochMs: 1_700_000_000_000 + packet, srcAddr: '10.0.0.1', srcPort: 5060, dstAddr: '10.0.0.5', dstPort: 5070, transport: 'udp', dscp: 26 };
}

function register(callId: string, seq: number, extra: string[] = []): SipMessage {
  return msg([
    'REGISTER sip:10.0.0.1 SIP/2.0', `Via: SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bK${callId}${seq}`, 'From: <sip:100@example.com>;tag=a',
    'To: <sip:100@example.com>', `Call-ID: ${callId}`, `CSeq: ${seq} REGISTER`, 'Contact: <sip:100@10.0.0.5:5070>', ...extra,
  ]);
}

function answer(callId: string, seq: number, status: number, extra: string[] = []): SipMessage {
  return msg([
    `SIP/2.0 ${status} Reason`, `Via: SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bK${callId}${seq}`, 'From: <sip:100@example.com>;tag=a',
    'To: <sip:100@example.com>;tag=r', `Call-ID: ${callId}`, `CSeq: ${seq} REGISTER`, ...extra,
  ]);
}

const AUTH = 'Authorization: Digest username="100", realm="x", nonce="n", uri="sip:10.0.0.1", response="00"';

function run(steps: Array<[boolean, SipMessage]>): RegistrationTracker {
  const t = new RegistrationTracker();
  for (const [ua, m] of steps) t.push(m, meta(ua));
  return t;
}

describe('RegistrationTracker', () => {
  it('401 then 200: registered, one challenge, the expiry the 2xx granted in its Contact (not the Expires header)', () => {
    const t = run([
      [true, register('c1', 1, ['Expires: 3600'])], [false, answer('c1', 1, 401, ['WWW-Authenticate: Digest realm="x", nonce="n"'])],
      [true, register('c1', 2, ['Expires: 3600', AUTH])], [false, answer('c1', 2, 200, ['Contact: <sip:100@10.0.0.5:5070>;expires=120', 'Expires: 3600'])],
    ]);
    expect(t.toJSON()).toEqual([expect.objectContaining({
      aor: 'sip:100@example.com', contact: 'sip:100@10.0.0.5:5070', ua: '10.0.0.5:5070', registrar: '10.0.0.1:5060',
      outcome: 'registered', finalStatus: 200, requests: 2, challenges: 1, expiresSeconds: 120,
    })]);
    expect(t.findings()).toEqual([]);
  });

  it('REGISTER answered 401 three times (credentials sent twice): authentication failure, one finding', () => {
    const t = run([
      [true, register('c2', 1)], [false, answer('c2', 1, 401)],
      [true, register('c2', 2, [AUTH])], [false, answer('c2', 2, 401)],
      [true, register('c2', 3, [AUTH])], [false, answer('c2', 3, 401)],
    ]);
    expect(t.toJSON()[0]).toMatchObject({ outcome: 'auth-failed', challenges: 3, requests: 3, finalStatus: 401, expiresSeconds: null });
    const f = t.findings();
    expect(f.map((x) => [x.code, x.severity, x.callId])).toEqual([['REGISTER_AUTH_FAILED', 'warn', 'c2']]);
    expect(f[0]!.message).toMatch(/credentials refused 2 time\(s\)/);
  });

  it('three challenges without credentials are an authentication failure too; one challenge alone is "challenged"', () => {
    const three = run([[true, register('c3', 1)], [false, answer('c3', 1, 401)], [true, register('c3', 2)], [false, answer('c3', 2, 401)], [true, register('c3', 3)], [false, answer('c3', 3, 401)]]);
    expect(three.toJSON()[0]!.outcome).toBe('auth-failed');
    const one = run([[true, register('c4', 1)], [false, answer('c4', 1, 401)]]);
    expect(one.toJSON()[0]!.outcome).toBe('challenged');
    expect(one.findings()).toEqual([]);
  });

  it('407 from a proxy then 403 to the credentials: authentication failure; 404 without credentials: failed', () => {
    const t = run([[true, register('c5', 1)], [false, answer('c5', 1, 407)], [true, register('c5', 2, ['Proxy-Authorization: Digest username="100"'])], [false, answer('c5', 2, 403)]]);
    expect(t.toJSON()[0]).toMatchObject({ outcome: 'auth-failed', challenges: 1, finalStatus: 403 });
    const u = run([[true, register('c6', 1)], [false, answer('c6', 1, 404)]]);
    expect(u.toJSON()[0]!.outcome).toBe('failed');
    expect(u.findings().map((f) => f.code)).toEqual(['REGISTER_FAILED']);
  });

  it('retransmitted REGISTER and retransmitted 401 count once; a REGISTER never answered is no-response', () => {
    const t = run([[true, register('c7', 1)], [true, register('c7', 1)], [false, answer('c7', 1, 401)], [false, answer('c7', 1, 401)],
      [true, register('c7', 2, [AUTH])], [false, answer('c7', 2, 100)], [false, answer('c7', 2, 200, ['Expires: 60'])]]);
    expect(t.toJSON()[0]).toMatchObject({ requests: 2, challenges: 1, outcome: 'registered', expiresSeconds: 60 });
    const n = run([[true, register('c8', 1)], [true, register('c8', 1)]]);
    expect(n.toJSON()[0]).toMatchObject({ outcome: 'no-response', requests: 1 });
    expect(n.findings().map((f) => f.code)).toEqual(['REGISTER_NO_RESPONSE']);
  });

  it('Expires: 0 answered 200 is an unregistration; responses whose REGISTER was not captured and non-REGISTER CSeqs are ignored', () => {
    const t = run([[false, answer('c9', 1, 200)], [true, register('c10', 1, ['Expires: 0'])], [false, answer('c10', 1, 200)],
      [true, msg(['OPTIONS sip:10.0.0.1 SIP/2.0', 'Via: SIP/2.0/UDP 10.0.0.5;branch=z9hG4bKo', 'From: <sip:a@b>;tag=1', 'To: <sip:a@b>', 'Call-ID: c11', 'CSeq: 1 OPTIONS'])]]);
    expect(t.toJSON().map((r) => [r.callId, r.outcome, r.expiresSeconds])).toEqual([['c10', 'unregistered', 0]]);
  });

  it('is bounded: the least recently active binding leaves first, counted', () => {
    const t = new RegistrationTracker({ maxRegistrations: 3 });
    for (const id of ['a', 'b', 'c', 'a', 'd']) t.push(register(id, id === 'a' && t.size > 0 ? 2 : 1), meta(true));
    expect(t.toJSON().map((r) => r.callId).sort()).toEqual(['a', 'c', 'd']);
    expect(t.evicted).toBe(1);
  });
});
