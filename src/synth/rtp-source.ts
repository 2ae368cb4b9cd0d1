/**
 * One RTP direction of a call: a packet every ptime, through the network model (loss, extra
 * delay, reordering, duplicates), with RFC 4733 telephone-event bursts replacing audio.
 * The first packet is never lost, delayed extra or duplicated, and the last is never lost nor
 * overtaken, so "expected" (RFC 3550 A.3) is unambiguous from the sequence numbers sent.
 */
import type { IpSpec } from './frames.js';
import { udpFrame } from './frames.js';
import { g711Payload, rtpPacket, telephoneEventPayload } from './media.js';
import type { Rng } from './prng.js';
import type { Codec, DirectionSpec, DtmfBurst, JitterModel, LossModel } from './scenario.js';
import type { Emit, GenContext, Source } from './source.js';
import { msToNs, quantize } from './source.js';
import type { StreamTruthAcc } from './truth.js';

export const TELEPHONE_EVENT_PT = 101;

export function payloadTypeOf(codec: Codec): number {
  return codec === 'PCMA' ? 8 : codec === 'PCMU' ? 0 : 18;
}

export interface RtpStreamPlan {
  dir: DirectionSpec;
  ip: IpSpec;
  srcPort: number;
  dstPort: number;
  ssrc: number;
  seq0: number;
  ts0: number;
  startNs: number;
  /** packet slots of the stream (one per ptime); the sender sends in those `sends` allows */
  count: number;
  /** does the sender send in the slot that starts ms after the stream's start (hold, one-way SDP)? absent: always */
  sends?: (ms: number) => boolean;
}

/** how far the sequence numbers jump when the sender restarts them (past RFC 3550 A.1's MAX_DROPOUT) */
export const SEQ_RESET_JUMP = 30000;

/**
 * Per slot: the packet's place in what the sender sends (-1: the sender is silent in that slot, on
 * hold or by the SDP's direction). Sequence numbers count sent packets (RFC 3550 5.1: one per packet),
 * so they run on across a hold while the timestamps jump with the time.
 */
export function sentIndexes(plan: RtpStreamPlan): Int32Array {
  const out = new Int32Array(plan.count);
  let n = 0;
  for (let i = 0; i < plan.count; i++) out[i] = plan.sends === undefined || plan.sends(i * plan.dir.ptimeMs) ? n++ : -1;
  return out;
}

export function isLost(loss: LossModel, i: number, rng: Rng): boolean {
  switch (loss.kind) {
    case 'none':
      return false;
    case 'bernoulli':
      return rng.next() < loss.p;
    case 'periodic':
      return loss.every > 0 && i % loss.every === loss.every - 1;
    case 'pattern':
      return loss.bursts.some(([start, n]) => i >= start && i < start + n);
  }
}

/** extra one-way delay in ms, and its upper bound */
export function extraDelayMs(j: JitterModel, rng: Rng): number {
  switch (j.kind) {
    case 'none':
      return 0;
    case 'uniform':
      return rng.next() * j.maxMs;
    case 'normal':
      return Math.min(Math.max(0, j.meanMs + j.sigmaMs * rng.normal()), j.meanMs + 4 * j.sigmaMs);
  }
}

export class RtpSource implements Source {
  nextNs: number;
  /** telephone-event packets sent so far */
  private i = 0;
  private lastArrivalNs = 0;
  private maxArrivalNs = 0;
  private readonly ptimeNs: number;
  private readonly samples: number;
  private readonly payload: Buffer;
  /** slot -> sent packet number (-1: silent); the first and the last sent slots */
  private readonly sent: Int32Array;
  private readonly firstSlot: number;
  private readonly lastSlot: number;
  /** the sent packet number from which the sequence numbers restart (Infinity: never) */
  private readonly resetFrom: number;

  constructor(
    private readonly ctx: GenContext,
    private readonly plan: RtpStreamPlan,
    private readonly rng: Rng,
    private readonly acc: StreamTruthAcc,
  ) {
    this.ptimeNs = msToNs(plan.dir.ptimeMs);
    this.samples = (8000 * plan.dir.ptimeMs) / 1000;
    const bytes = plan.dir.codec === 'G729' ? plan.dir.ptimeMs : this.samples;
    this.payload = plan.dir.codec === 'G729' ? Buffer.alloc(bytes, 0x55) : g711Payload(plan.dir.codec, bytes);
    this.sent = sentIndexes(plan);
    this.firstSlot = this.sent.findIndex((n) => n >= 0);
    let last = plan.count - 1;
    while (last >= 0 && this.sent[last]! < 0) last--;
    this.lastSlot = last;
    const resetSlot = plan.dir.seqResetAtMs > 0 ? this.sent.findIndex((n, i) => n > 0 && i * plan.dir.ptimeMs >= plan.dir.seqResetAtMs) : -1;
    this.resetFrom = resetSlot < 0 ? Infinity : this.sent[resetSlot]!;
    if (resetSlot >= 0) this.acc.t.sequenceResets = 1;
    this.i = Math.max(0, this.firstSlot);
    this.nextNs = this.firstSlot >= 0 ? this.keyOf(this.i) : Infinity;
  }

  /** the next slot the sender sends in, from slot i on (count: none) */
  private nextSent(i: number): number {
    let k = i;
    while (k < this.plan.count && this.sent[k]! < 0) k++;
    return k;
  }

  /** the wire sequence number of sent packet n (16 bits: the encoder masks) */
  private wireSeq(n: number): number {
    return this.plan.seq0 + n + (n >= this.resetFrom ? SEQ_RESET_JUMP : 0);
  }

  private keyOf(i: number): number {
    return quantize(this.ctx, this.plan.startNs + i * this.ptimeNs + msToNs(this.plan.dir.baseDelayMs));
  }

  private burstAt(i: number): { burst: DtmfBurst; slot0: number } | null {
    const ms = i * this.plan.dir.ptimeMs;
    for (const b of this.plan.dir.dtmf) {
      if (ms >= b.atMs && ms < b.atMs + b.durationMs) return { burst: b, slot0: Math.ceil(b.atMs / this.plan.dir.ptimeMs) };
    }
    return null;
  }

  step(emit: Emit): void {
    const { plan, rng } = this;
    const i = this.i;
    this.i = this.nextSent(i + 1);
    this.nextNs = this.i < plan.count ? this.keyOf(this.i) : Infinity;
    this.acc.t.sent++;
    const edge = i === this.firstSlot || i === this.lastSlot;
    if (!edge && isLost(plan.dir.loss, i, rng)) {
      this.acc.t.dropped++;
      return;
    }
    const sendNs = plan.startNs + i * this.ptimeNs + msToNs(plan.dir.baseDelayMs);
    let arrival = quantize(this.ctx, sendNs + (i === 0 ? 0 : msToNs(extraDelayMs(plan.dir.jitter, rng))));
    if (!plan.dir.reorder) arrival = Math.max(arrival, this.lastArrivalNs);
    if (i === this.lastSlot) arrival = Math.max(arrival, this.maxArrivalNs);
    const pkt = this.packet(i);
    this.send(emit, arrival, pkt.frame, i, pkt.ts, pkt.marker, pkt.event);
    if (!edge && plan.dir.duplicates > 0 && rng.next() < plan.dir.duplicates) {
      const dupNs = quantize(this.ctx, arrival + rng.next() * this.ptimeNs * 0.5);
      this.acc.t.duplicates++;
      this.send(emit, dupNs, pkt.frame, i, pkt.ts, pkt.marker, pkt.event);
    }
  }

  private send(emit: Emit, ns: number, frame: Buffer, i: number, ts: number, marker: boolean, event: boolean): void {
    this.lastArrivalNs = Math.max(this.lastArrivalNs, ns);
    this.maxArrivalNs = Math.max(this.maxArrivalNs, ns);
    // the truth counts the packets the sender sent, on across a restart of the wire numbers
    const seqExt = this.plan.seq0 + this.sent[i]!;
    const dscp = this.plan.ip.dscp;
    emit(ns, frame, (f, at) => this.acc.onPacket(f, at / 1e6, seqExt, ts, marker, event, dscp));
  }

  private packet(i: number): { frame: Buffer; ts: number; marker: boolean; event: boolean } {
    const { plan } = this;
    const b = this.burstAt(i);
    let ts = plan.ts0 + i * this.samples;
    let marker = i === this.firstSlot;
    let pt = payloadTypeOf(plan.dir.codec);
    let payload: Buffer = this.payload;
    if (b !== null) {
      // RFC 4733 2.5.1: one timestamp for the whole event, growing duration, E bit at the end
      ts = plan.ts0 + b.slot0 * this.samples;
      marker = i === b.slot0;
      pt = TELEPHONE_EVENT_PT;
      const last = (i + 1) * plan.dir.ptimeMs >= b.burst.atMs + b.burst.durationMs;
      payload = telephoneEventPayload(b.burst.event, last, 10, (i - b.slot0 + 1) * this.samples);
    }
    const rtp = rtpPacket({ marker, payloadType: pt, seq: this.wireSeq(this.sent[i]!) & 0xffff, timestamp: ts, ssrc: plan.ssrc }, payload);
    const ip = { ...plan.ip, id: this.ctx.nextIpId() };
    const frame = udpFrame(this.ctx.link, ip, plan.srcPort, plan.dstPort, rtp, this.ctx.scenario.udpChecksum);
    return { frame, ts, marker, event: b !== null };
  }
}
