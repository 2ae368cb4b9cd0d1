import { describe, expect, it } from 'vitest';
import { parseSipMessage } from '../../../src/decode/sip/parse.js';
import type { SipMessage } from '../../../src/decode/sip/types.js';
import { CallTracker, type ExpectedMedia, type SipMeta, type TrackedCall } from '../../../src/track/calls.js';
import { sdpBody, sipMessage } from '../decode/sip/messages.js';

const ALICE = { addr: '192.0.2.10', port: 5060 };
const BOB = { addr: '198.51.100.20', port: 5080 };
const T0 = Date.UTC(2024, 0, 2, 3, 4, 5, 0);

interface Msg {
  start: string;
  cseq: string;
  branch: string;
  toTag?: string;
  /** the request was sent by Bob (From/To swapped) */
  byBob?: boolean;
  body?: string;
  callId?: string;
}

function build(m: Msg): SipMessage {
  const alice = '"Alice" <sip:alice@atlanta.example.com>;tag=a1';
  const bob = `<sip:bob@biloxi.example.com>${m.toTag !== undefined ? `;tag=${m.toTag}` : ''}`;
  const bobFrom = '<sip:bob@biloxi.example.com>;tag=b1';
  const headers = [
    `Via: SIP/2.0/UDP ${m.byBob === true ? BOB.addr : ALICE.addr};branch=${m.branch}`,
    m.byBob === true ? `From: ${bobFrom}` : `From: ${alice}`,
    m.byBob === true ? 'To: "Alice" <sip:alice@atlanta.example.com>;tag=a1' : `To: ${bob}`,
    `Call-ID: ${m.callId ?? 'call-1@atlanta'}`,
    `CSeq: ${m.cseq}`,
    'User-Agent: UA-test',
  ];
  if (m.body !== undefined) headers.push('Content-Type: application/sdp');
  const buf = sipMessage(m.start, headers, m.body ?? '');
  const r = parseSipMessage(buf, 0, buf.length);
  if (!r.ok) throw new Error(r.reason);
  return r.message;
}

class Scenario {
  media: ExpectedMedia[] = [];
  events: Array<[string, string]> = [];
  readonly tracker: CallTracker;
  private num = 0;
  constructor(maxCalls = 100) {
    this.tracker = new CallTracker({
      onMedia: (m) => this.media.push(m),
      onCallEvent: (c: TrackedCall, e) => this.events.push([c.callId, e]),
      maxCalls,
    });
  }

  /** a message at T0 + ms; `fromAlice` says which way it travels */
  at(ms: number, fromAlice: boolean, m: Msg, dscp = 24): void {
    const [s, d] = fromAlice ? [ALICE, BOB] : [BOB, ALICE];
    const meta: SipMeta = {
      num: ++this.num, epochMs: T0 + ms, srcAddr: s.addr, srcPort: s.port, dstAddr: d.addr, dstPort: d.port,
      transport: 'udp', dscp,
    };
    this.tracker.push(build(m), meta);
  }
}

const INVITE = (body?: string): Msg => ({ start: 'INVITE sip:bob@biloxi.example.com SIP/2.0', cseq: '1 INVITE', branch: 'z9hG4bKinv1', ...(body !== undefined ? { body } : {}) });
const RESP = (status: string, extra: Partial<Msg> = {}): Msg => ({ start: `SIP/2.0 ${status}`, cseq: '1 INVITE', branch: 'z9hG4bKinv1', ...extra });

describe('CallTracker: a basic call INVITE/100/180/200/ACK/BYE/200', () => {
  const s = new Scenario();
  s.at(0, true, INVITE(sdpBody('192.0.2.10', 49170)));
  s.at(15, false, RESP('100 Trying'));
  s.at(120.5, false, RESP('180 Ringing', { toTag: 'b1' }));
  s.at(2400.25, false, RESP('200 OK', { toTag: 'b1', body: sdpBody('198.51.100.20', 30000, '8 101') }));
  s.at(2410, true, { start: 'ACK sip:bob@198.51.100.20 SIP/2.0', cseq: '1 ACK', branch: 'z9hG4bKack1', toTag: 'b1' });
  s.at(62400.25, true, { start: 'BYE sip:bob@198.51.100.20 SIP/2.0', cseq: '2 BYE', branch: 'z9hG4bKbye1', toTag: 'b1' }, 46);
  s.at(62420, false, { start: 'SIP/2.0 200 OK', cseq: '2 BYE', branch: 'z9hG4bKbye1', toTag: 'b1' });
  s.tracker.flush(T0 + 70000);

  it('computes setup and ring times from capture time, final status, state, duration', () => {
    const [c] = s.tracker.toJSON();
    expect(c).toMatchObject({
      callId: 'call-1@atlanta', from: 'alice@atlanta.example.com', to: 'bob@biloxi.example.com',
      ringMs: 120.5, setupMs: 2400.25, finalStatus: 200, state: 'ended', durationSeconds: 60,
      startTime: '2024-01-02T03:04:05.000Z', transport: 'udp', sipSrc: '192.0.2.10:5060', sipDst: '198.51.100.20:5080',
      sipDscp: { '24': 6, '46': 1 }, messages: 7, firstPacket: 1, retransmissions: 0,
    });
  });

  it('emits start, answered, end once each', () => {
    expect(s.events).toEqual([['call-1@atlanta', 'start'], ['call-1@atlanta', 'answered'], ['call-1@atlanta', 'end']]);
  });

  it('turns the offer and the answer into expected media with frames, ports and payload maps', () => {
    expect(s.media).toHaveLength(2);
    const [offer, answer] = s.media;
    expect(offer).toMatchObject({
      callId: 'call-1@atlanta', fromFrame: 1, address: '192.0.2.10', port: 49170, rtcpPort: 49171,
      rtcpMux: false, srtp: false, mediaType: 'audio', direction: 'sendrecv', sdpSide: 'offer', sdpOwnerIsCaller: true,
    });
    expect([...offer!.payloads]).toEqual([
      [0, { codec: 'g711U', clockRate: 8000 }], [8, { codec: 'g711A', clockRate: 8000 }], [101, { codec: 'telephone-event', clockRate: 8000 }],
    ]);
    expect(answer).toMatchObject({ fromFrame: 4, address: '198.51.100.20', port: 30000, sdpSide: 'answer', sdpOwnerIsCaller: false });
    // the answer's own types first; PT 0, which only the offer lists, is learnt from the offer (both sides' rtpmap)
    expect([...answer!.payloads.keys()]).toEqual([8, 101, 0]);
    expect(answer!.payloadTypes).toEqual([8, 101]);
  });
});

describe('CallTracker: outcomes', () => {
  it('486 Busy Here -> rejected, no duration, end emitted at the final response', () => {
    const s = new Scenario();
    s.at(0, true, INVITE(sdpBody('192.0.2.10', 4000)));
    s.at(300, false, RESP('486 Busy Here', { toTag: 'b1' }));
    expect(s.events.map((e) => e[1])).toEqual(['start', 'end']);
    s.at(310, true, { start: 'ACK sip:bob@biloxi.example.com SIP/2.0', cseq: '1 ACK', branch: 'z9hG4bKinv1', toTag: 'b1' });
    s.tracker.flush(T0 + 1000);
    expect(s.tracker.toJSON()[0]).toMatchObject({ state: 'rejected', finalStatus: 486, setupMs: null, ringMs: null, durationSeconds: null, messages: 3 });
    expect(s.events.map((e) => e[1])).toEqual(['start', 'end']);
  });

  it('CANCEL then 487 -> cancelled', () => {
    const s = new Scenario();
    s.at(0, true, INVITE());
    s.at(100, false, RESP('180 Ringing', { toTag: 'b1' }));
    s.at(5000, true, { start: 'CANCEL sip:bob@biloxi.example.com SIP/2.0', cseq: '1 CANCEL', branch: 'z9hG4bKinv1' });
    s.at(5010, false, { start: 'SIP/2.0 200 OK', cseq: '1 CANCEL', branch: 'z9hG4bKinv1', toTag: 'b1' });
    s.at(5020, false, RESP('487 Request Terminated', { toTag: 'b1' }));
    s.tracker.flush(T0 + 6000);
    const c = s.tracker.toJSON()[0];
    expect(c).toMatchObject({ state: 'cancelled', finalStatus: 487, ringMs: 100, setupMs: null });
    expect(s.tracker.get('call-1@atlanta')?.endEpochMs).toBe(T0 + 5020);
  });

  it('no final response -> incomplete at flush; 401 challenge then a new INVITE -> answered, setup from the first INVITE', () => {
    const s = new Scenario();
    s.at(0, true, INVITE());
    s.tracker.flush(T0 + 100);
    expect(s.tracker.toJSON()[0]?.state).toBe('incomplete');

    const t = new Scenario();
    t.at(0, true, INVITE());
    t.at(50, false, RESP('401 Unauthorized', { toTag: 'x9' }));
    expect(t.tracker.toJSON()[0]?.state).toBe('rejected');
    t.at(60, true, { start: 'INVITE sip:bob@biloxi.example.com SIP/2.0', cseq: '2 INVITE', branch: 'z9hG4bKinv2' });
    t.at(900, false, { start: 'SIP/2.0 200 OK', cseq: '2 INVITE', branch: 'z9hG4bKinv2', toTag: 'b1' });
    t.tracker.flush(T0 + 1000);
    expect(t.tracker.toJSON()[0]).toMatchObject({ state: 'answered', finalStatus: 200, setupMs: 900, durationSeconds: 0 });
    expect(t.events.map((e) => e[1])).toEqual(['start', 'answered', 'end']);
  });
});

describe('CallTracker: retransmissions and media updates', () => {
  it('counts a retransmitted INVITE and 200 without double-counting or re-announcing media', () => {
    const s = new Scenario();
    s.at(0, true, INVITE(sdpBody('192.0.2.10', 4000)));
    s.at(500, true, INVITE(sdpBody('192.0.2.10', 4000)));
    s.at(1000, false, RESP('200 OK', { toTag: 'b1', body: sdpBody('198.51.100.20', 5000) }));
    s.at(1500, false, RESP('200 OK', { toTag: 'b1', body: sdpBody('198.51.100.20', 5000) }));
    s.tracker.flush(T0 + 2000);
    expect(s.tracker.toJSON()[0]).toMatchObject({ messages: 4, retransmissions: 2, setupMs: 1000 });
    expect(s.media.map((m) => m.fromFrame)).toEqual([1, 3]);
    expect(s.events.filter((e) => e[1] === 'answered')).toHaveLength(1);
  });

  it('a re-INVITE from the callee changing the port announces new media from its frame on', () => {
    const s = new Scenario();
    s.at(0, true, INVITE(sdpBody('192.0.2.10', 4000)));
    s.at(1000, false, RESP('200 OK', { toTag: 'b1', body: sdpBody('198.51.100.20', 5000) }));
    s.at(1010, true, { start: 'ACK sip:bob@198.51.100.20 SIP/2.0', cseq: '1 ACK', branch: 'z9hG4bKack1', toTag: 'b1' });
    // Bob sends the re-INVITE: From/To swapped, new CSeq in Bob's space
    s.at(9000, false, { start: 'INVITE sip:alice@192.0.2.10 SIP/2.0', cseq: '100 INVITE', branch: 'z9hG4bKre1', byBob: true, toTag: 'a1', body: sdpBody('198.51.100.20', 5002, '0', ['a=rtcp:5009']) });
    s.at(9050, true, { start: 'SIP/2.0 200 OK', cseq: '100 INVITE', branch: 'z9hG4bKre1', byBob: true, toTag: 'a1', body: sdpBody('192.0.2.10', 4002) });
    s.tracker.flush(T0 + 10000);
    expect(s.media.map((m) => [m.fromFrame, m.port, m.rtcpPort, m.sdpSide, m.sdpOwnerIsCaller])).toEqual([
      [1, 4000, 4001, 'offer', true],
      [2, 5000, 5001, 'answer', false],
      [4, 5002, 5009, 'offer', false],
      [5, 4002, 4003, 'answer', true],
    ]);
    // the re-INVITE's 200 did not touch the call's setup figures
    expect(s.tracker.toJSON()[0]).toMatchObject({ state: 'answered', setupMs: 1000, finalStatus: 200 });
  });

  it('late offer: INVITE without SDP, offer in the 200, answer in the ACK', () => {
    const s = new Scenario();
    s.at(0, true, INVITE());
    s.at(100, false, RESP('200 OK', { toTag: 'b1', body: sdpBody('198.51.100.20', 5000) }));
    s.at(110, true, { start: 'ACK sip:bob@198.51.100.20 SIP/2.0', cseq: '1 ACK', branch: 'z9hG4bKack1', toTag: 'b1', body: sdpBody('192.0.2.10', 4000) });
    expect(s.media.map((m) => [m.port, m.sdpSide, m.sdpOwnerIsCaller])).toEqual([[5000, 'offer', false], [4000, 'answer', true]]);
  });
});

describe('CallTracker: bounds and non-calls', () => {
  it('ignores REGISTER/OPTIONS dialogs', () => {
    const s = new Scenario();
    s.at(0, true, { start: 'REGISTER sip:example.com SIP/2.0', cseq: '1 REGISTER', branch: 'z9hG4bKr' });
    s.at(1, false, { start: 'SIP/2.0 401 Unauthorized', cseq: '1 REGISTER', branch: 'z9hG4bKr' });
    expect(s.tracker.toJSON()).toEqual([]);
  });

  it('keeps at most maxCalls, evicting the oldest finished call first', () => {
    const s = new Scenario(2);
    s.at(0, true, { ...INVITE(), callId: 'c1' });
    s.at(1, true, { ...INVITE(), callId: 'c2' });
    s.at(2, false, { ...RESP('603 Decline', { toTag: 'b1' }), callId: 'c2' }); // c2 finished
    s.at(3, true, { ...INVITE(), callId: 'c3' });
    expect(s.tracker.toJSON().map((c) => c.callId)).toEqual(['c1', 'c3']);
    expect(s.tracker.evicted).toBe(1);
    s.at(4, true, { ...INVITE(), callId: 'c4' }); // none finished: the oldest goes
    expect(s.tracker.toJSON().map((c) => c.callId)).toEqual(['c3', 'c4']);
  });
});
