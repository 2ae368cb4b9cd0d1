/**
 * The proxy's signalling core on messages, with a relay that hands out port pairs and records the
 * peers it is told (the SIP side never touches a media packet): what goes where, what is rewritten
 * and what is kept byte for byte, and what is refused.
 */
import { describe, expect, it } from 'vitest';
import { parseSdp } from '../../../src/decode/sdp.js';
import { parseSipMessage } from '../../../src/decode/sip/parse.js';
import type { SipMessage } from '../../../src/decode/sip/types.js';
import type { Endpoint, MediaRelay, MediaSession, RelayCounters, Side } from '../../../src/proxy/media/relay.js';
import { BRANCH_PREFIX } from '../../../src/proxy/sip/branch.js';
import { decodeFlow } from '../../../src/proxy/sip/route-token.js';
import { SipProxy } from '../../../src/proxy/sip/sip-proxy.js';
import type { Flow } from '../../../src/proxy/sip/transport.js';
import { sipInvite, type SipDialog } from '../../../src/synth/sip.js';

const PROXY = '198.51.100.1';
const UPSTREAM: Flow = { transport: 'udp', address: '203.0.113.5', port: 5060 };
const PHONE: Flow = { transport: 'udp', address: '192.0.2.10', port: 5062 };

class FakeRelay implements MediaRelay {
  readonly kind = 'dgram' as const;
  next = 40000;
  readonly open_: Array<{ session: MediaSession; peers: Array<{ side: Side; rtp: Endpoint }>; closed: boolean }> = [];
  async open(): Promise<MediaSession> {
    const entry = { session: null as unknown as MediaSession, peers: [] as Array<{ side: Side; rtp: Endpoint }>, closed: false };
    const ports = { a: this.next, b: this.next + 2 };
    this.next += 4;
    entry.session = {
      id: this.open_.length + 1, localPort: ports,
      setPeer: (side, rtp) => entry.peers.push({ side, rtp }),
      close: () => (entry.closed = true),
      latched: () => ({ a: null, b: null }),
    };
    this.open_.push(entry);
    return entry.session;
  }
  counters(): RelayCounters {
    return { received: 0, forwarded: 0, strictDrops: 0, junkDrops: 0, noPeerDrops: 0, sendErrors: 0, portsInUse: 0, portsTotal: 0 };
  }
  async close(): Promise<void> {}
}

function setup(): { proxy: SipProxy; relay: FakeRelay; sent: Array<{ flow: Flow; bytes: Buffer }> } {
  const relay = new FakeRelay();
  const sent: Array<{ flow: Flow; bytes: Buffer }> = [];
  const proxy = new SipProxy({
    upstreams: [{ host: 'pbx.example', port: 5060, transport: 'udp', address: UPSTREAM.address }],
    port: 5060, localAddressToward: () => PROXY, domains: [], relay, send: (flow, bytes) => sent.push({ flow, bytes }),
  });
  return { proxy, relay, sent };
}

const dialog = (host = 'pbx.example'): SipDialog => ({
  callId: 'c1@test', fromTag: 'ft', toTag: 'tt', branch: 'z9hG4bKabc', transport: 'UDP', codec: 'PCMA', sessionId: 7,
  caller: { user: 'alice', addr: PHONE.address, ipVersion: 4, sipPort: PHONE.port, rtpPort: 4000 },
  callee: { user: 'bob', addr: host, ipVersion: 4, sipPort: 5060, rtpPort: 6000 } as never,
});

function parse(b: Buffer): SipMessage {
  const r = parseSipMessage(b, 0, b.length);
  if (!r.ok) throw new Error(r.reason);
  return r.message;
}

const at = (flow: Flow, bytes: Buffer) => ({ bytes, flow, local: { address: PROXY, port: 5060 }, atMs: Date.now(), dscp: null });

/** the upstream's answer to a forwarded request: its Vias, Record-Route, tags as a UAS copies them */
function answer(forwarded: Buffer, status: number, sdp: string | null, extra: string[] = []): Buffer {
  const req = parse(forwarded);
  const keep = req.headers.filter((h) => ['via', 'from', 'call-id', 'cseq', 'record-route'].includes(h.key)).map((h) => h.raw);
  const to = req.headers.find((h) => h.key === 'to')!.raw + (status > 100 ? ';tag=uas1' : '');
  const body = sdp ?? '';
  const lines = [`SIP/2.0 ${status} X`, ...keep, to, ...extra, 'Contact: <sip:bob@203.0.113.5:5060>'];
  if (sdp !== null) lines.push('Content-Type: application/sdp');
  lines.push(`Content-Length: ${Buffer.byteLength(body)}`, '', body);
  return Buffer.from(lines.join('\r\n'));
}

const UAS_SDP = 'v=0\r\no=- 9 1 IN IP4 203.0.113.5\r\ns=-\r\nc=IN IP4 203.0.113.5\r\nt=0 0\r\nm=audio 6000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n';

describe('SipProxy', () => {
  it('forwards a client INVITE to the upstream: own Via on top, Record-Route, Max-Forwards - 1, SDP anchored, the rest byte for byte', async () => {
    const { proxy, relay, sent } = setup();
    const invite = sipInvite(dialog());
    await proxy.handle(at(PHONE, invite));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.flow).toEqual(UPSTREAM);
    const out = parse(sent[0]!.bytes);
    const orig = parse(invite);
    expect(out.via[0]!.branch!.startsWith(BRANCH_PREFIX)).toBe(true);
    expect(out.via[0]!.host).toBe(PROXY);
    expect(out.via.slice(1).map((v) => v.raw)).toEqual(orig.via.map((v) => v.raw));
    const rr = out.headers.find((h) => h.key === 'record-route')!;
    expect(rr.value).toMatch(new RegExp(`^<sip:${PROXY}:5060;transport=udp;lr;vrflow=[0-9a-f]+;vrup=[0-9a-f]+>$`));
    // the Record-Route names the client's flow and the upstream that took the dialog
    expect(decodeFlow(/vrflow=([0-9a-f]+)/.exec(rr.value)![1]!)).toEqual(PHONE);
    expect(decodeFlow(/vrup=([0-9a-f]+)/.exec(rr.value)![1]!)).toEqual(UPSTREAM);
    expect(out.headers.find((h) => h.key === 'max-forwards')!.value).toBe(String(Number(orig.headers.find((h) => h.key === 'max-forwards')?.value ?? 71) - 1));
    for (const h of orig.headers.filter((x) => !['via', 'max-forwards', 'content-length'].includes(x.key))) {
      expect(out.headers.map((x) => x.raw)).toContain(h.raw);
    }
    const sdp = parseSdp(out.body);
    if (!sdp.ok) throw new Error(sdp.reason);
    // the offer from side a goes to b: it names the relay's side-b port, and a's own address became the relay's peer
    expect(sdp.sdp.media[0]!.port).toBe(relay.open_[0]!.session.localPort.b);
    expect(sdp.sdp.media[0]!.connection?.address).toBe(PROXY);
    expect(sdp.sdp.origin.address).toBe(PROXY);
    expect(Number(sdp.sdp.origin.sessionVersion)).toBe(Number(parseSdp(orig.body).ok && (parseSdp(orig.body) as any).sdp.origin.sessionVersion) + 1);
    expect(out.contentLength).toBe(out.body.length);
    expect(relay.open_[0]!.peers).toEqual([{ side: 'a', rtp: { address: PHONE.address, port: 4000 } }]);
  });

  it('routes the answer back by its Via to the client flow, own Via removed, SDP naming the side-a port', async () => {
    const { proxy, relay, sent } = setup();
    await proxy.handle(at(PHONE, sipInvite(dialog())));
    await proxy.handle(at(UPSTREAM, answer(sent[0]!.bytes, 200, UAS_SDP)));
    expect(sent).toHaveLength(2);
    expect(sent[1]!.flow).toEqual(PHONE);
    const res = parse(sent[1]!.bytes);
    expect(res.via.map((v) => v.raw)).toEqual(parse(sipInvite(dialog())).via.map((v) => v.raw));
    const sdp = parseSdp(res.body);
    expect(sdp.ok && sdp.sdp.media[0]!.port).toBe(relay.open_[0]!.session.localPort.a);
    expect(relay.open_[0]!.peers.at(-1)).toEqual({ side: 'b', rtp: { address: '203.0.113.5', port: 6000 } });
    expect(proxy.counters.callsActive).toBe(1);
  });

  it('absorbs a retransmitted INVITE that was answered: the last answer again, nothing forwarded', async () => {
    const { proxy, sent } = setup();
    await proxy.handle(at(PHONE, sipInvite(dialog())));
    await proxy.handle(at(UPSTREAM, answer(sent[0]!.bytes, 180, null)));
    await proxy.handle(at(PHONE, sipInvite(dialog())));
    expect(sent.map((s) => s.flow)).toEqual([UPSTREAM, PHONE, PHONE]);
    expect(sent[2]!.bytes.equals(sent[1]!.bytes)).toBe(true);
    expect(proxy.counters.absorbed).toBe(1);
  });

  it('sends a BYE from the upstream to the flow its Route names, removes that Route, and frees the media 2 s later', async () => {
    const { proxy, relay, sent } = setup();
    await proxy.handle(at(PHONE, sipInvite(dialog())));
    const rr = parse(sent[0]!.bytes).headers.find((h) => h.key === 'record-route')!.value;
    await proxy.handle(at(UPSTREAM, answer(sent[0]!.bytes, 200, UAS_SDP)));
    const bye = Buffer.from([
      'BYE sip:alice@10.9.9.9:5062 SIP/2.0', 'Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bKbye1', `Route: ${rr}`, 'Max-Forwards: 70',
      'From: <sip:bob@pbx.example>;tag=uas1', 'To: <sip:alice@pbx.example>;tag=ft', 'Call-ID: c1@test', 'CSeq: 5 BYE', 'Content-Length: 0', '', '',
    ].join('\r\n'));
    await proxy.handle(at(UPSTREAM, bye));
    expect(sent.at(-1)!.flow).toEqual(PHONE);
    const out = parse(sent.at(-1)!.bytes);
    expect(out.headers.some((h) => h.key === 'route')).toBe(false);
    expect(out.via).toHaveLength(2);
    expect(proxy.counters.callsActive).toBe(0);
    // the ports stay open a moment for the packets still under way, then go
    expect(relay.open_[0]!.closed).toBe(false);
    await new Promise((r) => setTimeout(r, 2100));
    expect(relay.open_[0]!.closed).toBe(true);
  });

  it('is never an open relay: a request for another domain gets 403, an upstream request to an unknown client 404', async () => {
    const { proxy, sent } = setup();
    await proxy.handle(at(PHONE, sipInvite(dialog('evil.example'))));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.flow).toEqual(PHONE);
    expect(parse(sent[0]!.bytes)).toMatchObject({ kind: 'response', status: 403 });
    const toStranger = Buffer.from(['INVITE sip:x@192.0.2.99:5060 SIP/2.0', 'Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bKq', 'From: <sip:a@pbx.example>;tag=1',
      'To: <sip:x@192.0.2.99>', 'Call-ID: q@test', 'CSeq: 1 INVITE', 'Content-Length: 0', '', ''].join('\r\n'));
    await proxy.handle(at(UPSTREAM, toStranger));
    expect(sent[1]!.flow).toEqual(UPSTREAM);
    expect(parse(sent[1]!.bytes)).toMatchObject({ kind: 'response', status: 404 });
    expect(proxy.counters).toMatchObject({ rejectedForbidden: 1, rejectedNotFound: 1, forwarded: 0 });
  });

  it('answers 483 when Max-Forwards is 0, drops a response whose top Via is not its own, counts malformed SIP', async () => {
    const { proxy, sent } = setup();
    const invite = sipInvite(dialog()).toString('latin1');
    const looped = Buffer.from(invite.includes('Max-Forwards:') ? invite.replace(/Max-Forwards: \d+/, 'Max-Forwards: 0') : invite.replace('\r\nCall-ID', '\r\nMax-Forwards: 0\r\nCall-ID'), 'latin1');
    await proxy.handle(at(PHONE, looped));
    expect(parse(sent[0]!.bytes)).toMatchObject({ kind: 'response', status: 483 });
    await proxy.handle(at(UPSTREAM, Buffer.from('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKx\r\nCall-ID: z\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n')));
    await proxy.handle(at(PHONE, Buffer.from('INVITE \x00\x01 garbage\r\n\r\n')));
    expect(sent).toHaveLength(1);
    expect(proxy.counters.stray).toBe(1);
    expect(proxy.counters.malformed).toBe(1);
  });

  it('a final error to the INVITE frees the call\'s ports; a new call while shutting down gets 503', async () => {
    const { proxy, relay, sent } = setup();
    await proxy.handle(at(PHONE, sipInvite(dialog())));
    await proxy.handle(at(UPSTREAM, answer(sent[0]!.bytes, 486, null)));
    expect(relay.open_[0]!.closed).toBe(true);
    expect(proxy.counters.callsActive).toBe(0);
    proxy.stopNewCalls();
    await proxy.handle(at(PHONE, sipInvite({ ...dialog(), callId: 'c2@test', branch: 'z9hG4bKnew' })));
    expect(parse(sent.at(-1)!.bytes)).toMatchObject({ kind: 'response', status: 503 });
  });

  it('shutdown: an answered call gets a BYE on each leg in the other party\'s name, with its route set and a CSeq above that party\'s last', async () => {
    const { proxy, relay, sent } = setup();
    await proxy.handle(at(PHONE, sipInvite(dialog())));
    const invite = parse(sipInvite(dialog()));
    // a proxy beyond the upstream recorded its route too: the BYE toward the callee must name it
    // (it added its Record-Route above the proxy's, as the INVITE passed it after the proxy)
    const ok200 = answer(sent[0]!.bytes, 200, UAS_SDP).toString('latin1').replace('Record-Route:', 'Record-Route: <sip:edge.pbx.example;lr>\r\nRecord-Route:');
    await proxy.handle(at(UPSTREAM, Buffer.from(ok200, 'latin1')));
    // an in-dialog re-INVITE from the caller with CSeq 7: the BYE in its name needs CSeq 8
    const reinvite = sipInvite(dialog()).toString('latin1').replace(/CSeq: \d+ INVITE/, 'CSeq: 7 INVITE').replace(/(\r\nTo: [^\r]*)/, '$1;tag=uas1').replace('z9hG4bKabc', 'z9hG4bKre');
    await proxy.handle(at(PHONE, Buffer.from(reinvite, 'latin1')));
    const before = sent.length;
    const done = proxy.tearDown(2000);
    await new Promise((r) => setTimeout(r, 30));
    const byes = sent.slice(before).map((s) => ({ flow: s.flow, msg: parse(s.bytes) }));
    expect(byes.map((b) => b.flow)).toEqual([PHONE, UPSTREAM]);
    const [toCaller, toCallee] = byes.map((b) => b.msg) as Array<Extract<SipMessage, { kind: 'request' }>>;
    expect(toCaller).toMatchObject({ method: 'BYE', requestUri: invite.contact[0]!.uri.raw, callId: 'c1@test' });
    expect(toCaller!.from?.tag).toBe('uas1');
    expect(toCaller!.to?.tag).toBe('ft');
    expect(toCallee).toMatchObject({ method: 'BYE', requestUri: 'sip:bob@203.0.113.5:5060', cseq: { seq: 8, method: 'BYE' } });
    expect(toCallee!.from?.tag).toBe('ft');
    expect(toCallee!.to?.tag).toBe('uas1');
    expect(toCallee!.headers.filter((h) => h.key === 'route').map((h) => h.value)).toEqual(['<sip:edge.pbx.example;lr>']);
    expect(toCaller!.headers.some((h) => h.key === 'route')).toBe(false);
    // both answered 200: counted, nothing forwarded further, the media freed
    for (const b of [toCaller!, toCallee!]) {
      const ok = Buffer.from([`SIP/2.0 200 OK`, `Via: ${b.via[0]!.raw}`, `From: ${b.headers.find((h) => h.key === 'from')!.value}`,
        `To: ${b.headers.find((h) => h.key === 'to')!.value}`, 'Call-ID: c1@test', `CSeq: ${b.cseq!.seq} BYE`, 'Content-Length: 0', '', ''].join('\r\n'));
      await proxy.handle(at(b === toCaller ? PHONE : UPSTREAM, ok));
    }
    const r = await done;
    expect(r).toEqual({ calls: 1, byeSent: 2, byeAnswered: 2, cancelSent: 0, cancelAnswered: 0 });
    expect(sent.length).toBe(before + 2);
    expect(relay.open_[0]!.closed).toBe(true);
    expect(proxy.counters).toMatchObject({ byeSent: 2, byeAnswered: 2, callsActive: 0 });
  });

  it('shutdown: a ringing call is cancelled toward the callee with the forwarded INVITE\'s branch; its 487 still reaches the caller', async () => {
    const { proxy, sent } = setup();
    await proxy.handle(at(PHONE, sipInvite(dialog())));
    const forwarded = parse(sent[0]!.bytes) as Extract<SipMessage, { kind: 'request' }>;
    await proxy.handle(at(UPSTREAM, answer(sent[0]!.bytes, 180, null)));
    const done = proxy.tearDown(2000);
    await new Promise((r) => setTimeout(r, 30));
    const cancel = parse(sent.at(-1)!.bytes) as Extract<SipMessage, { kind: 'request' }>;
    expect(sent.at(-1)!.flow).toEqual(UPSTREAM);
    expect(cancel).toMatchObject({ method: 'CANCEL', requestUri: forwarded.requestUri, callId: 'c1@test', cseq: { seq: forwarded.cseq!.seq, method: 'CANCEL' } });
    expect(cancel.via.map((v) => v.raw)).toEqual([forwarded.via[0]!.raw]);
    const ok = Buffer.from([`SIP/2.0 200 OK`, `Via: ${cancel.via[0]!.raw}`, `From: ${cancel.headers.find((h) => h.key === 'from')!.value}`,
      `To: ${cancel.headers.find((h) => h.key === 'to')!.value}`, 'Call-ID: c1@test', `CSeq: ${cancel.cseq!.seq} CANCEL`, 'Content-Length: 0', '', ''].join('\r\n'));
    await proxy.handle(at(UPSTREAM, ok));
    await proxy.handle(at(UPSTREAM, answer(sent[0]!.bytes, 487, null)));
    const r = await done;
    expect(r).toMatchObject({ calls: 1, cancelSent: 1, cancelAnswered: 1, byeSent: 0 });
    expect(sent.at(-1)!.flow).toEqual(PHONE);
    expect(parse(sent.at(-1)!.bytes)).toMatchObject({ kind: 'response', status: 487 });
  });

  it('a request over 1300 bytes goes to a UDP upstream over TCP (Via and Record-Route say TCP); over UDP after all when TCP fails', async () => {
    const relay = new FakeRelay();
    const sent: Array<{ flow: Flow; bytes: Buffer }> = [];
    const tried: Array<{ flow: Flow; bytes: Buffer; failed: () => void }> = [];
    const proxy = new SipProxy({
      upstreams: [{ host: 'pbx.example', port: 5060, transport: 'udp', address: UPSTREAM.address }],
      port: 5060, localAddressToward: () => PROXY, domains: [], relay, send: (flow, bytes) => sent.push({ flow, bytes }),
      sendOrElse: (flow, bytes, failed) => tried.push({ flow, bytes, failed }),
    });
    const small = sipInvite(dialog());
    await proxy.handle(at(PHONE, small));
    expect(tried).toHaveLength(0);
    expect(sent[0]!.flow).toEqual(UPSTREAM);
    // the same call offered with a long header (many codecs, a big Call-Info...) crosses 1300 bytes
    const large = Buffer.from(sipInvite({ ...dialog(), callId: 'big@test', branch: 'z9hG4bKbig' }).toString('latin1')
      .replace('\r\nCall-ID', `\r\nX-Padding: ${'p'.repeat(1400)}\r\nCall-ID`), 'latin1');
    await proxy.handle(at(PHONE, large));
    expect(tried).toHaveLength(1);
    expect(tried[0]!.flow).toEqual({ ...UPSTREAM, transport: 'tcp' });
    const overTcp = parse(tried[0]!.bytes);
    expect(overTcp.via[0]!.transport).toBe('TCP');
    expect(overTcp.headers.find((h) => h.key === 'record-route')!.value).toMatch(/transport=tcp/);
    expect(proxy.counters).toMatchObject({ largeOverTcp: 1, tcpFallbacks: 0 });
    // the upstream takes no TCP: the UDP version goes after all
    tried[0]!.failed();
    const overUdp = parse(sent.at(-1)!.bytes);
    expect(sent.at(-1)!.flow).toEqual(UPSTREAM);
    expect(overUdp.via[0]!.transport).toBe('UDP');
    expect(overUdp.via[0]!.branch).toBe(overTcp.via[0]!.branch);
    expect(proxy.counters).toMatchObject({ largeOverTcp: 1, tcpFallbacks: 1 });
  });
});
