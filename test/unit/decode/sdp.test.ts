import { describe, expect, it } from 'vitest';
import { parseSdp, resolvePayloads } from '../../../src/decode/sdp.js';
import { staticPayloadType } from '../../../src/decode/rtp-payload-types.js';

const crlf = (lines: string[]): string => lines.join('\r\n') + '\r\n';

describe('staticPayloadType (RFC 3551 tables 4/5, Wireshark short names)', () => {
  it.each([
    [0, 'g711U', 8000], [3, 'GSM', 8000], [4, 'g723', 8000], [8, 'g711A', 8000],
    [9, 'g722', 8000], [13, 'CN', 8000], [18, 'g729', 8000], [19, 'CN(old)', 8000], [34, 'h263', 90000],
  ])('PT %i is %s at %i Hz', (pt, codec, clockRate) => {
    expect(staticPayloadType(pt)).toEqual({ codec, clockRate });
  });
  it('has nothing for unassigned and dynamic types', () => {
    expect(staticPayloadType(20)).toBeUndefined();
    expect(staticPayloadType(101)).toBeUndefined();
    expect(staticPayloadType(128)).toBeUndefined();
    expect(staticPayloadType(-1)).toBeUndefined();
  });
});

describe('parseSdp', () => {
  it('reads the RFC 3264 section 10.1 offer (session c=, two m-lines, rtpmap)', () => {
    const r = parseSdp(crlf([
      'v=0', 'o=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com', 's=',
      'c=IN IP4 host.atlanta.example.com', 't=0 0',
      'm=audio 49170 RTP/AVP 0 8 97', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:97 iLBC/8000',
      'm=video 51372 RTP/AVP 31 32', 'a=rtpmap:31 H261/90000', 'a=rtpmap:32 MPV/90000',
    ]));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.sdp.origin).toEqual({ username: 'alice', sessionId: '2890844526', sessionVersion: '2890844526', address: 'host.atlanta.example.com', addressType: 'IP4' });
    expect(r.sdp.connection).toEqual({ address: 'host.atlanta.example.com', ipVersion: 4 });
    const [audio, video] = r.sdp.media;
    expect(audio).toMatchObject({ type: 'audio', port: 49170, protocol: 'RTP/AVP', payloadTypes: [0, 8, 97], rtcpMux: false, direction: 'sendrecv', crypto: false });
    expect(audio?.connection?.address).toBe('host.atlanta.example.com');
    expect(audio?.rtpmap.get(97)).toEqual({ codec: 'iLBC', clockRate: 8000 });
    expect(video).toMatchObject({ type: 'video', port: 51372, payloadTypes: [31, 32] });
    expect([...resolvePayloads(audio!)]).toEqual([
      [0, { codec: 'g711U', clockRate: 8000 }], [8, { codec: 'g711A', clockRate: 8000 }], [97, { codec: 'iLBC', clockRate: 8000 }],
    ]);
  });

  it('media c= overrides session c=; a=rtcp, rtcp-mux, direction, ptime, SRTP crypto, IPv6', () => {
    const r = parseSdp(Buffer.from(crlf([
      'v=0', 'o=- 42 7 IN IP6 2001:db8::1', 's=-', 'c=IN IP6 2001:db8::1', 't=0 0', 'a=recvonly',
      'm=audio 40000 RTP/SAVP 9 101', 'c=IN IP4 198.51.100.20', 'a=rtcp:40005 IN IP4 198.51.100.21',
      'a=rtpmap:9 G722/8000', 'a=rtpmap:101 telephone-event/8000', 'a=ptime:30',
      'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32',
      'm=audio 40010 RTP/AVP 0', 'a=rtcp-mux', 'a=inactive',
      'm=video 0 RTP/AVP 96',
    ])));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const [a, b, v] = r.sdp.media;
    expect(a?.connection).toEqual({ address: '198.51.100.20', ipVersion: 4 });
    expect(a).toMatchObject({ rtcpPort: 40005, rtcpAddress: '198.51.100.21', ptime: 30, crypto: true, direction: 'recvonly', rtcpMux: false });
    // the m= line's a=ptime goes with every payload type of it
    expect([...resolvePayloads(a!)]).toEqual([[9, { codec: 'g722', clockRate: 8000, ptime: 30 }], [101, { codec: 'telephone-event', clockRate: 8000, ptime: 30 }]]);
    expect(b?.connection).toEqual({ address: '2001:db8::1', ipVersion: 6 });
    expect(b).toMatchObject({ rtcpMux: true, direction: 'inactive', crypto: false });
    expect(b?.rtcpPort).toBeUndefined();
    expect(v?.port).toBe(0);
    expect(resolvePayloads(v!).size).toBe(0); // dynamic PT without rtpmap says nothing
  });

  it('reads m=<media> <port>/<number of ports> (RFC 4566 5.14), which sdp-transform refused', () => {
    const r = parseSdp(crlf(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', 'm=video 49170/2 RTP/AVP 31']));
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.sdp.media[0]).toMatchObject({ type: 'video', port: 49170, payloadTypes: [31] });
  });

  it('rejects what is not SDP, without throwing', () => {
    expect(parseSdp('hello').ok).toBe(false);
    expect(parseSdp('').ok).toBe(false);
    expect(parseSdp(Buffer.from([0xff, 0x00, 0x76])).ok).toBe(false);
    const noOrigin = parseSdp(crlf(['v=0', 's=-', 'm=audio 1 RTP/AVP 0']));
    expect(noOrigin.ok).toBe(false);
  });
});
