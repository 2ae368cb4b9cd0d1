/**
 * The STAMP session-sender (RFC 8762 4.2): a voice-shaped stream (the codec's packet size and
 * interval, see codecs.ts) to a session-reflector, each packet with the Class-of-Service TLV (RFC 8972
 * 4.4) asking for `dscp` on the way back and padded to the codec's RTP packet size. Sends on a
 * drift-free schedule (packet k at start + k x interval), waits `graceMs` after the last packet for
 * stragglers, and feeds every reflected packet to ProbeStats.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import {
  TLV_CLASS_OF_SERVICE, decodeClassOfService, decodeStampReflector, findTlv, stampBaseLength, type StampMode, type StampTlv,
} from '../decode/stamp.js';
import { classOfServiceTlv, encodeStampSender, errorEstimateFor, extraPaddingTlv, verifyStampHmac, verifyTlvHmac } from '../encode/stamp.js';
import { ntpFromEpochMs, ntpToEpochMs } from './clock.js';
import { voicePacketBytes, type ProbeCodec } from './codecs.js';
import { ProbeStats, type ProbeSample } from './figures.js';
import { clockState, nowMs, openSocket, type Received } from './socket.js';

export interface SenderOptions {
  host: string;
  port: number;
  codecKey: string;
  codec: ProbeCodec;
  /** 0: until the signal aborts */
  durationMs: number;
  dscp: number;
  mode: StampMode;
  key: Uint8Array | null;
  ssid?: number;
  graceMs?: number;
  signal?: AbortSignal;
  onSample?: (s: ProbeSample, stats: ProbeStats) => void;
  onSent?: (stats: ProbeStats) => void;
}

/** the TLVs of every test packet: CoS, then padding to the codec's RTP packet size when there is room */
export function senderTlvs(codec: ProbeCodec, mode: StampMode, dscp: number): StampTlv[] {
  const cos = classOfServiceTlv({ dscp1: dscp, dscp2: 0, ecn: 0, rp: 0 });
  const fixed = stampBaseLength(mode) + 8 + (mode === 'authenticated' ? 20 : 0);
  const room = voicePacketBytes(codec) - fixed - 4;
  return room >= 0 ? [cos, extraPaddingTlv(room)] : [cos];
}

export async function resolveTarget(host: string): Promise<{ address: string; family: 4 | 6 }> {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare) !== 0) return { address: bare, family: isIP(bare) === 6 ? 6 : 4 };
  const r = await lookup(bare);
  return { address: r.address, family: r.family === 6 ? 6 : 4 };
}

export async function runSender(opts: SenderOptions): Promise<ProbeStats> {
  const target = await resolveTarget(opts.host);
  const ssid = opts.ssid ?? 1 + Math.floor(Math.random() * 0xfffe);
  const tlvs = senderTlvs(opts.codec, opts.mode, opts.dscp);
  let stats: ProbeStats | null = null;
  const socket = openSocket(target.family, (m) => onReply(m));
  await socket.bind(target.family === 6 ? '::' : '0.0.0.0', 0);
  const startMs = nowMs();
  const packetBytes = encodeStampSender({ seq: 0, timestamp: ntpFromEpochMs(startMs), errorEstimate: errorEstimateFor(1, false), ssid, tlvs }, opts.mode, opts.key ?? new Uint8Array(16)).length;
  const s = new ProbeStats({
    target: `${opts.host}:${opts.port}`, codec: opts.codecKey, mode: opts.mode, packetBytes, intervalMs: opts.codec.intervalMs,
    dscp: opts.dscp, dscpCapable: socket.dscpCapable, startMs, graceMs: opts.graceMs ?? 2000,
  });
  stats = s;

  function onReply(m: Received): void {
    if (stats === null) return;
    const d = decodeStampReflector(m.data, 0, m.data.length, opts.mode);
    if (!d.ok || d.value.ssid !== ssid) return;
    if (opts.mode === 'authenticated' && (!verifyStampHmac(opts.key!, m.data) || !verifyTlvHmac(opts.key!, m.data, opts.mode))) {
      stats.authFailures += 1;
      return;
    }
    const p = d.value;
    const cosTlv = findTlv(p.tlvs, TLV_CLASS_OF_SERVICE);
    const cos = cosTlv === undefined || (cosTlv.flags & 0x80) !== 0 ? null : decodeClassOfService(cosTlv.value);
    const sample = stats.reply({
      senderSeq: p.senderSeq, reflectorSeq: p.seq,
      t1: ntpToEpochMs(p.senderTimestamp), t2: ntpToEpochMs(p.receiveTimestamp), t3: ntpToEpochMs(p.timestamp), t4: m.atMs,
      cos, dscpBack: m.dscp, senderSynchronised: p.senderErrorEstimate.synchronized, reflectorSynchronised: p.errorEstimate.synchronized,
    });
    if (sample !== null) opts.onSample?.(sample, stats);
  }

  const clock = clockState();
  const error = errorEstimateFor(clock.errorSeconds ?? 1, clock.synchronised === true);
  const count = opts.durationMs > 0 ? Math.max(1, Math.round(opts.durationMs / opts.codec.intervalMs)) : Infinity;
  for (let seq = 0; seq < count && !aborted(opts.signal); seq++) {
    const due = startMs + seq * opts.codec.intervalMs;
    const wait = due - nowMs();
    if (wait > 1) await sleep(wait, opts.signal);
    if (aborted(opts.signal)) break;
    const t1 = nowMs();
    const packet = encodeStampSender({ seq: seq >>> 0, timestamp: ntpFromEpochMs(t1), errorEstimate: error, ssid, tlvs }, opts.mode, opts.key);
    socket.send(packet, target.address, opts.port, opts.dscp);
    s.sent(seq >>> 0, t1);
    opts.onSent?.(s);
  }
  await sleep(opts.graceMs ?? 2000, undefined);
  socket.close();
  return s;
}

function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
