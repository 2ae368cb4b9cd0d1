/**
 * The passive ALG/NAT detector holds a call's signalled endpoints only while the call is up and for
 * ENDED_KEEP_MS (analysis clock) after it ended: a stream starting in that time is still checked
 * against the call's SDP, a later one is not, and what the detector holds follows the calls up (a
 * monitor running for weeks must not keep the last 4,096 calls' SDP, and with it their messages).
 */
import { describe, expect, it } from 'vitest';
import { parseSipMessage } from '../../../src/decode/sip/parse.js';
import { AlgDetector, ENDED_KEEP_MS } from '../../../src/detect/alg/detector.js';
import type { Finding } from '../../../src/model/report.js';
import type { LiveCall, LiveStream, LiveView, SipEvent } from '../../../src/pipeline/events.js';
import { sipInvite, sipResponse, type SipDialog } from '../../../src/synth/sip.js';

function dialog(i: number): SipDialog {
  return {
    callId: `ret-${i}@voipready.test`, fromTag: `f${i}`, toTag: `t${i}`, branch: `z9hG4bKr${i}`, transport: 'UDP',
    caller: { user: `u${i}`, addr: '10.1.0.5', ipVersion: 4, sipPort: 5060, rtpPort: 20000 + i * 2 },
    callee: { user: 'pbx', addr: '192.0.2.10', ipVersion: 4, sipPort: 5060, rtpPort: 40000 + i * 2 },
    codec: 'PCMA', sessionId: 500 + i,
  };
}

function sipEvent(bytes: Buffer, src: string, dst: string, epochMs: number): SipEvent {
  const r = parseSipMessage(bytes, 0, bytes.length);
  if (!r.ok) throw new Error(r.reason);
  return { message: r.message, bytes, packet: 1, epochMs, transport: 'udp', dscp: null, source: 'capture', src, srcPort: 5060, dst, dstPort: 5060 };
}

function stream(id: string, callId: string, src: string, dst: string): LiveStream {
  return { id, callId, ssrc: 0x1234, src, dst } as unknown as LiveStream;
}

function setup() {
  const clock = { now: 1_800_000_000_000 };
  const found: Finding[] = [];
  const d = new AlgDetector();
  const l = d.listener();
  l.onAttach!({ view: { nowEpochMs: () => clock.now } as unknown as LiveView, raise: (f) => found.push(f) });
  const call = (i: number): void => {
    const dl = dialog(i);
    l.onSip!(sipEvent(sipInvite(dl), dl.caller.addr, dl.callee.addr, clock.now));
    l.onSip!(sipEvent(sipResponse(dl, 200, 'INVITE'), dl.callee.addr, dl.caller.addr, clock.now + 100));
  };
  const end = (i: number): void => {
    l.onCall!({ callId: dialog(i).callId, state: 'ended', finalStatus: 200, setupMs: 100, startEpochMs: clock.now - 5000, endEpochMs: clock.now } as LiveCall, 'end');
  };
  const tick = (ms: number): void => {
    clock.now += ms;
    l.onSecond!(Math.floor(clock.now / 1000), {} as LiveView);
  };
  return { d, l, found, call, end, tick };
}

describe('ALG detector: an ended call is forgotten after its keep time', () => {
  it('holds the call while it is up and for ENDED_KEEP_MS after its end, then no more', () => {
    const t = setup();
    t.call(1);
    t.call(2);
    expect(t.d.heldCalls).toBe(2);
    t.tick(10 * 60_000);
    // calls that are up are never forgotten for their age
    expect(t.d.heldCalls).toBe(2);
    t.end(1);
    t.tick(ENDED_KEEP_MS - 1000);
    expect(t.d.heldCalls).toBe(2);
    t.tick(2000);
    expect(t.d.heldCalls).toBe(1);
    t.end(2);
    t.tick(ENDED_KEEP_MS + 1000);
    expect(t.d.heldCalls).toBe(0);
  });

  it('a stream starting within the keep time is still checked against the SDP; later, the call is gone', () => {
    const t = setup();
    t.call(1);
    t.call(2);
    t.end(1);
    t.end(2);
    t.tick(ENDED_KEEP_MS / 2);
    // RTP from an address neither SDP of call 1 named
    t.l.onStream!(stream('s1', dialog(1).callId, '198.51.100.7:30000', `192.0.2.10:${dialog(1).callee.rtpPort}`), 'start');
    expect(t.found.map((f) => f.code)).toContain('RTP_FROM_UNSIGNALLED_ADDRESS');
    t.tick(ENDED_KEEP_MS);
    const before = t.found.length;
    t.l.onStream!(stream('s2', dialog(2).callId, '198.51.100.8:30000', `192.0.2.10:${dialog(2).callee.rtpPort}`), 'start');
    expect(t.found.length).toBe(before);
    expect(t.d.heldCalls).toBe(0);
  });

  it('a call with SDP again after its end (a late re-INVITE) is up again and kept', () => {
    const t = setup();
    t.call(1);
    t.end(1);
    t.tick(1000);
    t.call(1);
    t.tick(ENDED_KEEP_MS * 2);
    expect(t.d.heldCalls).toBe(1);
  });
});
