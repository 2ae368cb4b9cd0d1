/**
 * generateCapture: plan every call, merge all sources by capture time through a small heap, write
 * each frame as soon as it is due (streaming: only frames still "in flight" are held), and return
 * the truth accumulated from what was actually written.
 */
import { BackgroundSource } from './background-source.js';
import type { CallPlan } from './call-plan.js';
import { planCall } from './call-plan.js';
import type { IpSpec, LinkSpec } from './frames.js';
import { endpointText, formatAddress, linkTypeOf } from './frames.js';
import { MinHeap } from './heap.js';
import { PcapWriter } from './pcap-writer.js';
import { PcapngWriter } from './pcapng-writer.js';
import { Rng } from './prng.js';
import { RtcpSource } from './rtcp-source.js';
import type { RtpStreamPlan } from './rtp-source.js';
import { RtpSource, payloadTypeOf, sentIndexes } from './rtp-source.js';
import { sendPeriods, sendsAt } from './media-plan.js';
import type { DirectionSpec, Scenario } from './scenario.js';
import { SipSource } from './sip-source.js';
import type { GenContext, OnWrite, Source } from './source.js';
import { msToNs } from './source.js';
import type { CallTruth, RegistrationTruth, Truth } from './truth.js';
import { Mirror } from './mirror.js';
import { RegisterSource } from './register-source.js';
import { StreamTruthAcc } from './truth.js';

interface Entry {
  ns: number;
  order: number;
  source?: Source;
  frame?: Buffer;
  onWrite?: OnWrite | undefined;
}

export interface Built {
  sources: Source[];
  streams: StreamTruthAcc[];
  calls: CallTruth[];
  registrations: RegistrationTruth[];
  /** answered calls without a BYE: their truth's duration runs to their streams' last packet (settleNoBye) */
  noBye: Array<{ truth: CallTruth; sip: SipSource; streams: StreamTruthAcc[] }>;
}

/** after the walk: a call without BYE lasted from its answer to its media's last packet */
export function settleNoBye(built: Built): void {
  for (const c of built.noBye) {
    const lastMs = Math.max(-1, ...c.streams.map((a) => a.lastMs));
    if (lastMs >= 0 && c.sip.answeredNs >= 0) c.truth.durationSeconds = (lastMs * 1e6 - c.sip.answeredNs) / 1e9;
  }
}

function newStream(p: CallPlan | null, plan: RtpStreamPlan, callId: string | null, rtcp: boolean): StreamTruthAcc {
  return new StreamTruthAcc({
    src: endpointText(plan.ip.src, plan.srcPort), dst: endpointText(plan.ip.dst, plan.dstPort),
    srcPort: plan.srcPort, dstPort: plan.dstPort, ssrc: `0x${plan.ssrc.toString(16).padStart(8, '0')}`,
    payloadType: payloadTypeOf(plan.dir.codec), codec: plan.dir.codec, callId: p === null ? null : callId,
    sent: 0, received: 0, expected: 0, lost: 0, dropped: 0, duplicates: 0, reordered: 0, telephoneEventPackets: 0,
    jitterMeanMs: 0, jitterMaxMs: 0, jitterLastMs: 0, maxDeltaMs: 0, meanDeltaMs: 0, dscp: {}, firstFrame: 0,
    lastFrame: 0, rtcp: rtcp ? { senderReports: 0, reportBlocksReceived: 0, rttMs: p?.group.rtcpRttMs ?? 0 } : null,
  }, 8000);
}

function streamPlan(s: Scenario, p: CallPlan, dir: DirectionSpec, forward: boolean, rng: Rng): RtpStreamPlan {
  const periods = sendPeriods(p.group.sip);
  // the SDP's direction decides when this side sends: only when a period says otherwise is there a filter
  const always = periods.every((x) => (forward ? x.callerSends : x.calleeSends));
  const ip: IpSpec = {
    version: s.ipVersion, src: forward ? p.callerAddr : p.calleeAddr, dst: forward ? p.calleeAddr : p.callerAddr,
    dscp: dir.dscp, ttl: 64, id: 0,
  };
  return {
    dir, ip, srcPort: forward ? p.callerRtpPort : p.calleeRtpPort, dstPort: forward ? p.calleeRtpPort : p.callerRtpPort,
    ssrc: rng.u32(), seq0: rng.int(65536), ts0: rng.u32(),
    startNs: p.mediaStartNs + (forward ? 0 : msToNs(7)), count: Math.round(p.group.durationMs / dir.ptimeMs),
    ...(always ? {} : { sends: (ms: number) => sendsAt(periods, forward, ms) }),
  };
}

function buildCall(ctx: GenContext, p: CallPlan, rng: Rng, out: Built): void {
  const s = ctx.scenario;
  const g = p.group;
  const callId = g.sip.enabled ? p.dialog.callId : null;
  if (g.sip.enabled) {
    const truth: CallTruth = {
      callId: p.dialog.callId, from: `sip:${p.dialog.caller.user}@${formatAddress(p.callerAddr)}`,
      to: `sip:${p.dialog.callee.user}@${formatAddress(p.calleeAddr)}`, transport: g.sip.transport,
      sipSrc: endpointText(p.callerAddr, p.callerSipPort), sipDst: endpointText(p.calleeAddr, p.calleeSipPort),
      messages: 0, ringMs: null, setupMs: null, finalStatus: null, durationSeconds: null, sipDscp: {}, firstFrame: 0,
    };
    out.calls.push(truth);
    const sip = new SipSource(ctx, p, truth);
    out.sources.push(sip);
    if (p.answered && !g.sip.bye) {
      truth.bye = false;
      out.noBye.push({ truth, sip, streams: [] });
    }
  }
  if (!p.answered) return;
  const accs: Array<StreamTruthAcc | null> = [null, null];
  const plans: RtpStreamPlan[] = [];
  const periods = sendPeriods(g.sip);
  const rtcp = g.rtcp && g.forward.enabled && g.backward.enabled && periods.every((x) => x.callerSends && x.calleeSends);
  [g.forward, g.backward].forEach((dir, k) => {
    const plan = streamPlan(s, p, dir, k === 0, rng);
    plans.push(plan);
    // a side the SDP never lets send has no stream (a=sendonly / recvonly for the whole call)
    if (!dir.enabled || !sentIndexes(plan).some((n) => n >= 0)) return;
    const acc = newStream(p, plan, callId, rtcp);
    accs[k] = acc;
    out.streams.push(acc);
    const open = out.noBye.find((x) => x.truth.callId === callId);
    if (open !== undefined) open.streams.push(acc);
    out.sources.push(new RtpSource(ctx, plan, rng.fork(), acc));
  });
  if (!rtcp) return;
  const shared = { lastSrNs: [0, 0] as [number, number] };
  for (const k of [0, 1] as const) {
    const mine = plans[k]!;
    const peer = plans[1 - k]!;
    out.sources.push(new RtcpSource(ctx, {
      side: k, ip: mine.ip, srcPort: mine.srcPort + 1, dstPort: mine.dstPort + 1, ssrc: mine.ssrc,
      peerSsrc: peer.ssrc, ts0: mine.ts0, firstNs: mine.startNs + msToNs(1000 + 500 * k), endNs: p.mediaEndNs,
      intervalNs: msToNs(g.rtcpIntervalMs), rttNs: msToNs(g.rtcpRttMs), cname: `user${p.index}-${k}@synth`,
    }, shared, accs[k]!, accs[1 - k]!));
  }
}

export function buildSources(ctx: GenContext): Built {
  const s = ctx.scenario;
  const master = new Rng(s.seed);
  const out: Built = { sources: [new BackgroundSource(ctx)], streams: [], calls: [], registrations: [], noBye: [] };
  s.registrations.forEach((r, i) => {
    const truth: RegistrationTruth = {
      aor: '', contact: '', ua: '', registrar: '', outcome: 'no-response', finalStatus: null, expiresSeconds: null,
      requests: 0, challenges: 0, messages: 0, firstFrame: 0,
    };
    out.registrations.push(truth);
    out.sources.push(new RegisterSource(ctx, r, i, truth));
  });
  let index = 0;
  for (const g of s.groups) {
    for (let i = 0; i < g.count; i++) {
      const rng = master.fork();
      buildCall(ctx, planCall(s, g, i, index++, rng), rng, out);
    }
  }
  return out;
}

export function makeContext(s: Scenario): GenContext {
  const link: LinkSpec = {
    type: s.link.type, vlans: s.link.vlans,
    srcMac: Uint8Array.from([0x02, 0, 0, 0, 0, 1]), dstMac: Uint8Array.from([0x02, 0, 0, 0, 0, 2]),
  };
  let ipId = 1;
  return { scenario: s, link, resolutionNs: s.nanosecond ? 1 : 1000, nextIpId: () => ipId++ & 0xffff };
}

/** a frame as the merge hands it out: capture time (ns from the start), bytes, and its truth callback */
export type FrameSink = (ns: number, frame: Buffer, onWrite: OnWrite | undefined) => void;

/**
 * Merge every source by capture time and hand each frame to `sink` in time order (streaming:
 * only frames still "in flight" are held). The one loop behind generateCapture and generatePair.
 */
export function walkFrames(built: Built, sink: FrameSink): void {
  const heap = new MinHeap<Entry>();
  let order = 0;
  for (const source of built.sources) if (source.nextNs !== Infinity) heap.push({ ns: source.nextNs, order: order++, source });
  const emit = (ns: number, frame: Buffer, onWrite?: OnWrite) => heap.push({ ns, order: order++, frame, onWrite });
  for (let e = heap.pop(); e !== undefined; e = heap.pop()) {
    if (e.source !== undefined) {
      e.source.step(emit);
      if (e.source.nextNs !== Infinity) heap.push({ ns: e.source.nextNs, order: order++, source: e.source });
      continue;
    }
    if (e.frame === undefined) continue;
    sink(e.ns, e.frame, e.onWrite);
  }
}

export interface FrameWriter {
  readonly bytes: number;
  write(tsSec: number, tsNsec: number, frame: Buffer): void;
  close(): void;
}

export function openWriter(s: Scenario, ctx: GenContext, outPath: string, format: 'pcap' | 'pcapng'): FrameWriter {
  const linkType = linkTypeOf(ctx.link);
  return format === 'pcap'
    ? new PcapWriter(outPath, { linkType, byteOrder: s.byteOrder, nsec: s.nanosecond, snapLen: s.snapLen })
    : new PcapngWriter(outPath, {
      byteOrder: s.byteOrder, interfaces: [{ linkType, tsresol: s.nanosecond ? 9 : 6, snapLen: s.snapLen }],
    });
}

export function generateCapture(s: Scenario, outPath: string, format: 'pcap' | 'pcapng'): Truth {
  const ctx = makeContext(s);
  const linkType = linkTypeOf(ctx.link);
  const writer = openWriter(s, ctx, outPath, format);
  const built = buildSources(ctx);
  const mirror = new Mirror(s.mirror);
  let frames = 0;
  let firstNs = -1;
  let lastNs = 0;
  walkFrames(built, (ns, frame, onWrite) => {
    frames++;
    if (firstNs < 0) firstNs = ns;
    lastNs = ns;
    writer.write(s.startTime + Math.floor(ns / 1e9), ns % 1e9, mirror.wrap(frame));
    onWrite?.(frames, ns);
  });
  writer.close();
  settleNoBye(built);
  const byFirst = (a: { firstFrame: number }, b: { firstFrame: number }) =>
    (a.firstFrame || Infinity) - (b.firstFrame || Infinity);
  return {
    scenario: s.name, seed: s.seed, format, linkType, frames, bytes: writer.bytes,
    startTime: new Date((s.startTime + Math.max(0, firstNs) / 1e9) * 1000).toISOString(),
    durationSeconds: firstNs < 0 ? 0 : (lastNs - firstNs) / 1e9,
    sipMessages: built.calls.reduce((n, c) => n + c.messages, 0) + built.registrations.reduce((n, r) => n + r.messages, 0),
    calls: built.calls.sort(byFirst),
    streams: built.streams.map((a) => a.finish()).sort(byFirst),
    ...(built.registrations.length > 0 ? { registrations: built.registrations } : {}),
    ...(s.mirror.kind !== 'none' ? { mirror: s.mirror.kind } : {}),
  };
}
