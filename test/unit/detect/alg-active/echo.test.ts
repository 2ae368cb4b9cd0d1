import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { answer } from '../../../../src/detect/alg-active/echo-answer.js';
import { DEFAULT_PAD, hmacHex, MAX_MESSAGE_BYTES, parseEchoBody, quote, REPLY_OVERHEAD_MAX, unquote } from '../../../../src/detect/alg-active/echo-protocol.js';
import { buildInvite, buildRegister, type RequestParams } from '../../../../src/detect/alg-active/messages.js';
import { analyseExchange, summarise } from '../../../../src/detect/alg-active/analyse.js';
import { splitSip } from '../../../../src/detect/alg-active/sip-text.js';

const P: RequestParams = {
  transport: 'udp', localAddress: '10.0.0.2', localPort: 5060, server: '192.0.2.1', serverPort: 5060,
  key: '00112233445566778899aabbccddeeff', token: 'a1b2c3d4e5f60718293a4b5c', rtpPort: 20000, pad: DEFAULT_PAD,
};

function echoOf(text: string): string {
  const a = answer(Buffer.from(text, 'latin1'), '198.51.100.1:5060', 'udp');
  expect(a.outcome).toBe('echoed');
  return a.reply!;
}

describe('echo protocol', () => {
  it('quote/unquote round-trips any text and no quoted line starts like a header or SDP line', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => {
      expect(unquote(quote(s))).toBe(s);
      for (const line of quote(s).split('\n')) expect(line.startsWith('>')).toBe(true);
    }));
  });

  it('an unchanged path: the echo verifies and nothing is reported', () => {
    const results = [buildRegister(P), buildInvite(P)].map((m) => analyseExchange(m.slice(0, m.indexOf(' ')), m, echoOf(m), P.key));
    expect(results.map((r) => r.problem)).toEqual([null, null]);
    expect(summarise(results).verdict).toBe('no rewriting seen');
  });

  it('the reply carries exactly the received bytes, signed; it is never more than REPLY_OVERHEAD_MAX larger', () => {
    const invite = buildInvite(P);
    const reply = echoOf(invite);
    expect(reply.length).toBeLessThanOrEqual(invite.length + REPLY_OVERHEAD_MAX);
    const body = splitSip(reply)!.body;
    const e = parseEchoBody(body);
    expect(e.ok && e.value.received).toBe(invite);
    expect(e.ok && e.value.receivedHmac).toBe(hmacHex(P.key, invite));
    expect(body).not.toMatch(/\r\n(v=|c=|Via:|Contact:)/);
  });

  it('a body changed on the way back fails the signature', () => {
    const invite = buildInvite(P);
    const tampered = echoOf(invite).replace('>c=IN IP4 10.0.0.2', '>c=IN IP4 10.0.0.9');
    expect(analyseExchange('INVITE', invite, tampered, P.key).problem).toMatch(/does not verify/);
  });

  it('an unpadded test request gets a minimal 413, not an amplified echo', () => {
    const bare = buildRegister({ ...P, pad: 0 });
    const a = answer(Buffer.from(bare, 'latin1'), '198.51.100.1:5060', 'udp');
    expect(a.outcome).toBe('too-large-reply');
    expect(a.reply).toMatch(/^SIP\/2\.0 413 /);
    expect(a.reply!.length).toBeLessThanOrEqual(bare.length + REPLY_OVERHEAD_MAX);
  });

  it('bad input: oversized, malformed, responses and foreign SIP', () => {
    expect(answer(Buffer.alloc(MAX_MESSAGE_BYTES + 1, 0x41), 's', 'udp')).toEqual({ outcome: 'oversized', reply: null });
    expect(answer(Buffer.from('hello'), 's', 'udp')).toEqual({ outcome: 'malformed', reply: null });
    expect(answer(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), 's', 'udp').outcome).toBe('malformed');
    expect(answer(Buffer.from('SIP/2.0 200 OK\r\nVia: x\r\n\r\n'), 's', 'udp')).toEqual({ outcome: 'response-ignored', reply: null });
    const options = 'OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4\r\nCall-ID: a\r\nCSeq: 1 OPTIONS\r\n\r\n';
    const a = answer(Buffer.from(options), 's', 'udp');
    expect(a.outcome).toBe('not-test');
    expect(a.reply).toMatch(/^SIP\/2\.0 400 /);
    expect(a.reply).not.toMatch(/voipready-alg-echo 1/);
  });

  it('random bytes never throw and never get a reply larger than the bound', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
      const a = answer(Buffer.from(b), 's', 'udp');
      if (a.reply !== null) expect(a.reply.length).toBeLessThanOrEqual(b.length + REPLY_OVERHEAD_MAX);
    }));
  });
});
