/**
 * Test helper: live traffic without a network. Many short G.711 calls (INVITE/100/180/200/ACK, RTP both
 * ways every 20 ms, BYE/200), pushed as datagrams through Analyzer.pushDatagram in time order, with
 * the analyzer's clock driven on every whole second as a live source drives it. The truth (calls,
 * streams, packets) is counted as the traffic is made.
 */
import type { Analyzer } from '../../src/pipeline/analyzer.js';
import type { Datagram } from '../../src/pipeline/datagram.js';
import { sipAck, sipBye, sipInvite, sipResponse, type SipDialog } from '../../src/synth/sip.js';

export interface LiveCallsOptions {
  calls: number;
  /** calls started per second of the (accelerated) clock */
  perSecond: number;
  /** RTP packets each way per call (20 ms apart) */
  packetsPerCall: number;
  /** epoch ms of the first INVITE */
  startMs?: number;
  /** DSCP of every packet; null: unknown */
  dscp?: number | null;
  /** seconds of silence after the last call, with the clock still ticking (lets everything retire) */
  tailSeconds?: number;
  /** called after every whole second of the clock (after tickTo) */
  onSecond?: (sec: number, callsStarted: number) => void;
}

export interface LiveCallsTruth {
  calls: number;
  streams: number;
  rtpPackets: number;
  sipMessages: number;
}

const CALLEE = '192.0.2.10';
const PAYLOAD = Buffer.alloc(160, 0xd5);

interface Event {
  atMs: number;
  d: Datagram;
}

/** the datagrams of call i (unsorted), with their times */
function callEvents(i: number, startMs: number, packets: number, dscp: number | null, truth: LiveCallsTruth): Event[] {
  const caller = `10.1.${(i >> 8) & 255}.${i & 255}`;
  const rtpA = 20000 + ((i * 2) % 10000);
  const rtpB = 40000 + ((i * 2) % 10000);
  const d: SipDialog = {
    callId: `soak-${i}@voipready.test`, fromTag: `f${i}`, toTag: `t${i}`, branch: `z9hG4bK${i}`, transport: 'UDP',
    caller: { user: `u${i}`, addr: caller, ipVersion: 4, sipPort: 5060, rtpPort: rtpA },
    callee: { user: 'pbx', addr: CALLEE, ipVersion: 4, sipPort: 5060, rtpPort: rtpB },
    codec: 'PCMA', sessionId: 1000 + i,
  };
  const out: Event[] = [];
  const sip = (atMs: number, toCallee: boolean, payload: Buffer): void => {
    truth.sipMessages++;
    out.push({ atMs, d: datagram(atMs, toCallee ? caller : CALLEE, 5060, toCallee ? CALLEE : caller, 5060, payload, dscp) });
  };
  sip(startMs, true, sipInvite(d));
  sip(startMs + 5, false, sipResponse(d, 100, 'INVITE'));
  sip(startMs + 50, false, sipResponse(d, 180, 'INVITE'));
  sip(startMs + 200, false, sipResponse(d, 200, 'INVITE'));
  sip(startMs + 210, true, sipAck(d));
  const ssrcA = (0x10000000 + i * 2) >>> 0;
  const ssrcB = (0x10000001 + i * 2) >>> 0;
  for (let k = 0; k < packets; k++) {
    const at = startMs + 220 + k * 20;
    out.push({ atMs: at, d: datagram(at, caller, rtpA, CALLEE, rtpB, rtp(ssrcA, k, k * 160), dscp) });
    out.push({ atMs: at + 1, d: datagram(at + 1, CALLEE, rtpB, caller, rtpA, rtp(ssrcB, 1000 + k, 5000 + k * 160), dscp) });
  }
  truth.rtpPackets += packets * 2;
  truth.streams += 2;
  const endMs = startMs + 240 + packets * 20;
  sip(endMs, true, sipBye(d));
  sip(endMs + 20, false, sipResponse(d, 200, 'BYE'));
  truth.calls++;
  return out;
}

function rtp(ssrc: number, seq: number, ts: number): Buffer {
  const b = Buffer.allocUnsafe(12 + PAYLOAD.length);
  b[0] = 0x80;
  b[1] = 8;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc, 8);
  PAYLOAD.copy(b, 12);
  return b;
}

function datagram(atMs: number, src: string, srcPort: number, dst: string, dstPort: number, payload: Buffer, dscp: number | null): Datagram {
  const tsSec = Math.floor(atMs / 1000);
  return { src, srcPort, dst, dstPort, transport: 'udp', tsSec, tsNsec: Math.round((atMs - tsSec * 1000) * 1e6), dscp, payload, source: 'soak' };
}

/** one second of the clock: the datagrams that fall in it, in time order */
export interface LiveSecond {
  /** epoch seconds */
  sec: number;
  /** calls started so far */
  callsStarted: number;
  datagrams: Datagram[];
}

/**
 * The calls' datagrams one second at a time, in time order (tailSeconds empty seconds at the end).
 * Events are made one second of calls at a time and merged by time, so memory here stays small
 * whatever the number of calls. `truth` is counted as the calls are made.
 */
export function* liveCallSeconds(o: LiveCallsOptions, truth: LiveCallsTruth): Generator<LiveSecond> {
  const startMs = o.startMs ?? 1_800_000_000_000;
  const dscp = o.dscp === undefined ? 46 : o.dscp;
  let pending: Event[] = [];
  let next = 0;
  let sec = Math.floor(startMs / 1000);
  const callMs = 1000 / o.perSecond;
  for (;;) {
    const secEnd = (sec + 1) * 1000;
    // the calls that start within this second join the pending events
    while (next < o.calls && startMs + next * callMs < secEnd) {
      pending.push(...callEvents(next, startMs + next * callMs, o.packetsPerCall, dscp, truth));
      next++;
    }
    pending.sort((x, y) => x.atMs - y.atMs);
    let k = 0;
    while (k < pending.length && pending[k]!.atMs < secEnd) k++;
    const datagrams = pending.slice(0, k).map((e) => e.d);
    pending = pending.slice(k);
    yield { sec, callsStarted: next, datagrams };
    sec++;
    if (next >= o.calls && pending.length === 0) break;
  }
  for (let t = 0; t < (o.tailSeconds ?? 0); t++) yield { sec: sec++, callsStarted: next, datagrams: [] };
}

/** Push the calls through the analyzer in time order, ticking its clock at the end of every second. */
export function runLiveCalls(a: Analyzer, o: LiveCallsOptions): LiveCallsTruth {
  const truth: LiveCallsTruth = { calls: 0, streams: 0, rtpPackets: 0, sipMessages: 0 };
  for (const s of liveCallSeconds(o, truth)) {
    for (const d of s.datagrams) a.pushDatagram(d);
    a.tickTo((s.sec + 1) * 1000);
    o.onSecond?.(s.sec + 1, s.callsStarted);
  }
  return truth;
}
