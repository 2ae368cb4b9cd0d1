/**
 * Mouth-to-ear delay (ITU-T G.114) and the E-model MOS (ITU-T G.107) of one RTP direction, from its
 * report figures: computed at report (or scrape) time, never per packet.
 *
 * Mouth-to-ear = network one-way delay + packetisation + codec look-ahead + jitter buffer:
 * - network: the measured one-way delay (delay.ts), else quality.assumedNetworkDelayMs (flagged);
 * - packetisation: the SDP a=ptime of the stream's payload, else measured as the capture span over
 *   the expected packets (duration / (expected - 1)) snapped to a usual frame size (10, 20, 30, 40,
 *   60 ms) within 10 %, else the codec's usual frame size;
 * - look-ahead: the codec table (codec-quality.ts);
 * - jitter buffer: quality.jitterBufferMs, or automatic: twice the mean RFC 3550 jitter rounded up to
 *   whole frames, at least one frame.
 *
 * MOS: eModel() with Ta = mouth-to-ear, T = Ta and Tr = 2 Ta (the echo paths of a VoIP call are as long
 * as its delay; echo is controlled: TELR 65 dB, the default), the codec's Ie/Bpl, Ppl = the stream's loss
 * and BurstR from its loss runs; everything else G.107's defaults.
 */
import type { MosEstimate, MouthToEar, StreamDelay } from '../model/report.js';
import type { QualityOptions } from '../config/sections/quality.js';
import { codecQuality, type CodecQuality } from './codec-quality.js';
import { burstRatio, eModel } from './emodel.js';

/** what stream-quality.ts reads of a stream */
export interface QualityInput {
  codec: string;
  /** a=ptime of the stream's payload type, ms; null when the SDP has none */
  sdpPtimeMs: number | null;
  durationSeconds: number;
  packets: number;
  expected: number;
  lost: number;
  sequenceErrors: number;
  outOfOrder: number;
  duplicates: number;
  longestLossBurst: number;
  /** loss runs counted from the sequence numbers (SequenceTracker.lossRuns); absent: estimated */
  lossRuns?: number;
  jitterMeanMs: number;
  delay: StreamDelay | null;
}

export interface StreamQuality {
  mouthToEar: MouthToEar | null;
  mos: MosEstimate | null;
}

const FRAME_SIZES_MS = [10, 20, 30, 40, 60];

/** the packetisation delay and where it came from */
export function packetisationMs(q: QualityInput, c: CodecQuality): { ms: number; source: string } {
  if (q.sdpPtimeMs !== null && q.sdpPtimeMs > 0) return { ms: q.sdpPtimeMs, source: `packetisation ${q.sdpPtimeMs} ms from the SDP a=ptime` };
  if (q.expected >= 2 && q.durationSeconds > 0) {
    const step = (q.durationSeconds * 1000) / (q.expected - 1);
    const frame = FRAME_SIZES_MS.find((f) => Math.abs(step - f) <= f * 0.1);
    if (frame !== undefined) return { ms: frame, source: `packetisation ${frame} ms measured from the packet spacing (${step.toFixed(2)} ms)` };
  }
  return { ms: c.defaultFrameMs, source: `packetisation ${c.defaultFrameMs} ms assumed (the codec's usual frame: no a=ptime, the packet spacing is not a usual frame size)` };
}

/** automatic jitter buffer: 2 x mean jitter rounded up to whole frames, at least one frame */
export function autoJitterBufferMs(jitterMeanMs: number, frameMs: number): number {
  if (!(frameMs > 0)) return 0;
  const frames = Math.max(1, Math.ceil((2 * Math.max(0, jitterMeanMs)) / frameMs - 1e-9));
  return frames * frameMs;
}

/**
 * loss runs (bursts) of the stream: counted from the sequence numbers as they leave the reorder window
 * (exact once the stream is settled at its end), else, while nothing has been settled yet, estimated
 * from its sequence errors (every run of lost packets makes one sequence error; a reordered packet
 * about three, a duplicate one). Kept between what the counts allow: at least lost / longest burst
 * runs, at most one per lost packet (tshark's `lost`, which the runs are counted against, may differ
 * from ours on duplicates and resets).
 */
export function lossRuns(q: Pick<QualityInput, 'lost' | 'sequenceErrors' | 'outOfOrder' | 'duplicates' | 'longestLossBurst' | 'lossRuns'>): number {
  if (q.lost <= 0) return 0;
  const low = Math.ceil(q.lost / Math.max(1, q.longestLossBurst));
  const counted = q.lossRuns ?? 0;
  const runs = counted > 0 ? counted : q.sequenceErrors - 3 * q.outOfOrder - q.duplicates;
  return Math.min(q.lost, Math.max(low, runs));
}

/** how the loss runs were found, for the MOS assumptions */
function runsSource(q: Pick<QualityInput, 'lossRuns'>): string {
  return (q.lossRuns ?? 0) > 0 ? 'counted from the sequence numbers' : 'estimated from the sequence errors';
}

export function streamQuality(q: QualityInput, opts: QualityOptions): StreamQuality {
  const c = codecQuality(q.codec);
  if (c === null || q.expected < 2) return { mouthToEar: null, mos: null };
  const pack = packetisationMs(q, c);
  const jb = opts.jitterBufferMs ?? autoJitterBufferMs(q.jitterMeanMs, pack.ms);
  const measured = q.delay !== null && q.delay.oneWayMs !== null;
  const networkMs = measured ? q.delay!.oneWayMs! : opts.assumedNetworkDelayMs;
  const totalMs = networkMs + pack.ms + c.lookAheadMs + jb;
  const mouthToEar: MouthToEar = {
    totalMs: r3(totalMs), networkMs: r3(networkMs), packetisationMs: r3(pack.ms), lookAheadMs: c.lookAheadMs, jitterBufferMs: r3(jb), networkMeasured: measured,
  };
  const lost = Math.max(0, q.lost);
  const ppl = q.expected > 0 ? (lost * 100) / q.expected : 0;
  const runs = lossRuns(q);
  const burstR = burstRatio(lost, q.expected - lost, runs);
  const e = eModel({ Ta: totalMs, T: totalMs, Tr: 2 * totalMs, Ie: c.Ie, Bpl: c.Bpl, Ppl: ppl, BurstR: burstR });
  const assumptions = [
    ...c.assumptions,
    measured ? `network one-way delay ${r3(networkMs)} ms (${q.delay!.method}: ${q.delay!.reliability})` : `network one-way delay not measured: ${opts.assumedNetworkDelayMs} ms assumed (quality.assumedNetworkDelayMs)`,
    pack.source,
    opts.jitterBufferMs === null ? `jitter buffer ${jb} ms: 2 x mean jitter rounded up to whole frames (quality.jitterBufferMs: auto)` : `jitter buffer ${jb} ms (quality.jitterBufferMs)`,
    `loss ${ppl.toFixed(2)} %, BurstR ${burstR.toFixed(2)} (${runs} loss run(s), ${runsSource(q)})`,
    'T = Ta, Tr = 2 Ta; every other E-model parameter at its G.107 default (TELR 65 dB, A = 0, ...)',
  ];
  const mos: MosEstimate = {
    mos: r3(e.mos), r: r3(e.R), ieEff: r3(e.IeEff), idd: r3(e.Idd), burstR: r3(burstR), lossRuns: runs, codec: c.row, provisional: c.provisional, assumptions,
  };
  return { mouthToEar, mos };
}

function r3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
