/**
 * The own SDP line scanner (src/decode/sdp.ts) against sdp-transform as the reference
 * (test/helpers/sdp-transform-reference.ts): the same SessionDescription, or the same refusal, for
 * descriptions built from well-formed and deliberately odd lines (numeric addresses, leading zeros,
 * repeated attributes, session- and media-level c= and direction, mixed line endings, garbage lines).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSdp } from '../../../src/decode/sdp.js';
import { parseSdpWithSdpTransform } from '../../helpers/sdp-transform-reference.js';

const pick = <T>(...xs: T[]): fc.Arbitrary<T> => fc.constantFrom(...xs);
const digits = fc.stringMatching(/^[0-9]{0,6}$/);

const address = pick('192.0.2.10', '198.51.100.7', '2001:db8::1', 'host.example.com', '224.2.1.1/127/3', '12', '1.5', '', 'NaN');
const origin = fc.oneof(
  fc.tuple(pick('-', 'alice', '123', '1e3', 'root'), digits, digits, pick('IP4', 'IP6', 'IPX'), address)
    .map(([u, id, ver, at, a]) => `o=${u} ${id} ${ver} IN ${at} ${a}`),
  pick('o=- 1 1 IN IP4', 'o=broken'),
);
const connection = fc.oneof(
  fc.tuple(pick('IP4', 'IP6'), address).map(([v, a]) => `c=IN ${v} ${a}`),
  pick('c=IN IP4', 'c=IN IP9 10.0.0.1', 'c=OUT IP4 10.0.0.1'),
);
// no "5004/2" here: sdp-transform's m= rule has no <number of ports> (RFC 4566 5.14) and refuses the line;
// ours reads it (sdp.test.ts)
const port = pick('0', '5004', '49170', '05004', '', '70000', '65535');
const media = fc.tuple(pick('audio', 'video', 'image', 'application', '1'), port, pick('RTP/AVP', 'RTP/SAVP', 'UDP/TLS/RTP/SAVPF', 'udptl', 'RTP/AVPF', ''),
  fc.array(pick('0', '8', '18', '101', '96', '127', '128', '00', 'abc', '9999'), { maxLength: 5 }))
  .map(([t, p, proto, pts]) => `m=${t} ${p} ${proto}${pts.length > 0 ? ' ' + pts.join(' ') : ''}`);
const rtpmap = fc.tuple(pick('0', '8', '96', '101', '127', '128', '', '07'), pick('PCMU', 'PCMA', 'telephone-event', 'opus', 'G729', 'AMR-WB', '729', ''),
  pick('', '/8000', '/48000/2', '/8000/', '/08000', '/16000/1', '/8000/abc', ' / 8000'))
  .map(([pt, codec, rest]) => `a=rtpmap:${pt} ${codec}${rest}`);
const attribute = fc.oneof(
  rtpmap,
  pick('a=ptime:20', 'a=ptime:30', 'a=ptime:20.5', 'a=ptime:', 'a=ptime:1.2.3', 'a=maxptime:60'),
  pick('a=rtcp:5005', 'a=rtcp:5005 IN IP4 10.0.0.1', 'a=rtcp:', 'a=rtcp:05005', 'a=rtcp:5007 IN IP4 12', 'a=rtcp:5009 IN IP6 2001:db8::9'),
  pick('a=rtcp-mux', 'a=rtcp-mux-only', 'a=rtcp-rsize', 'a=rtcp-fb:96 nack', 'a=fmtp:101 0-15'),
  pick('a=sendrecv', 'a=sendonly', 'a=recvonly', 'a=inactive', 'a=inactive-ish', 'a=send'),
  pick('a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32', 'a=crypto:1 AES', 'a=crypto:x AES_CM inline:x'),
);
const noise = pick('s=-', 't=0 0', 'b=AS:64', '', 'X=1', ' a=sendonly', 'a=', 'v=0', 'k=clear:x', 'A=sendonly');
const line = fc.oneof({ weight: 2, arbitrary: origin }, { weight: 2, arbitrary: connection }, { weight: 3, arbitrary: media },
  { weight: 6, arbitrary: attribute }, { weight: 2, arbitrary: noise });

const description = fc.tuple(
  pick('v=0', 'v=0', 'v=0', '\r\nv=0', 'v=1'),
  fc.option(origin, { nil: undefined }),
  fc.array(line, { maxLength: 24 }),
  pick('\r\n', '\n', '\r'),
  fc.boolean(),
).map(([v, o, lines, eol, mixed]) => {
  const all = [v, ...(o === undefined ? [] : [o]), ...lines];
  return all.map((l, i) => l + (mixed && i % 3 === 1 ? '\n' : eol)).join('');
});

describe('parseSdp agrees with sdp-transform (the reference)', () => {
  it('on generated descriptions, well-formed and odd', () => {
    fc.assert(fc.property(description, (text) => {
      expect(parseSdp(text)).toEqual(parseSdpWithSdpTransform(text));
    }), { numRuns: 3000 });
  });

  it('on the RFC 4566 and RFC 3264 examples', () => {
    const examples = [
      ['v=0', 'o=jdoe 2890844526 2890842807 IN IP4 10.47.16.5', 's=SDP Seminar', 'c=IN IP4 224.2.17.12/127', 't=2873397496 2873404696',
        'a=recvonly', 'm=audio 49170 RTP/AVP 0', 'm=video 51372 RTP/AVP 99', 'a=rtpmap:99 h263-1998/90000'],
      ['v=0', 'o=bob 2808844564 2808844564 IN IP4 host.biloxi.example.com', 's=', 'c=IN IP4 host.biloxi.example.com', 't=0 0',
        'm=audio 49174 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', 'm=video 49170 RTP/AVP 32', 'a=rtpmap:32 MPV/90000'],
      // repeated lines: the later a=rtcp keeps the earlier address, the later c=/ptime/direction win
      ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', 'a=sendonly', 'm=audio 4000 RTP/AVP 0 101',
        'a=rtcp:4005 IN IP4 192.0.2.9', 'a=rtcp:4007', 'a=ptime:20', 'a=ptime:30', 'c=IN IP4 192.0.2.2', 'c=IN IP4 192.0.2.3',
        'a=rtpmap:101 telephone-event/8000', 'a=rtpmap:101 telephone-event/16000', 'a=inactive', 'a=recvonly'],
    ];
    for (const lines of examples) {
      const text = lines.join('\r\n') + '\r\n';
      const ours = parseSdp(text);
      expect(ours.ok).toBe(true);
      expect(ours).toEqual(parseSdpWithSdpTransform(text));
    }
  });
});
