/**
 * The STAMP session-reflector (RFC 8762 4.3), stateful: its own sequence number per session (source
 * address, port and SSID), so the sender can tell forward from backward loss. It copies the sender's
 * TLVs back (RFC 8972 4) and fills the Class-of-Service TLV (4.4) with the DSCP and ECN it received
 * (DSCP2, ECN) and sends the reflected packet with the DSCP the sender asked for (DSCP1); when it
 * cannot read DSCP (no native socket) it flags the TLV unrecognised (U) and when it cannot set it RP = 1.
 *
 * Bounded: at most `maxSessions` sessions (the least recently used is forgotten), each rate-limited
 * to `maxPacketsPerSecond` (a token bucket; the excess is dropped and counted), idle sessions forgotten
 * after `idleMs`. Authenticated mode: packets whose HMAC does not verify are dropped (RFC 8762 4.4).
 */
import {
  TLV_CLASS_OF_SERVICE, TLV_EXTRA_PADDING, TLV_FLAG_U, TLV_HMAC, decodeClassOfService, decodeStampSender,
  type StampMode, type StampTlv,
} from '../decode/stamp.js';
import { classOfServiceTlv, encodeStampReflector, errorEstimateFor, verifyStampHmac, verifyTlvHmac } from '../encode/stamp.js';
import { ntpFromEpochMs } from './clock.js';
import { clockState, nowMs, openSocket, type Received } from './socket.js';

export interface ReflectorOptions {
  address: string;
  port: number;
  mode: StampMode;
  key: Uint8Array | null;
  maxSessions?: number;
  maxPacketsPerSecond?: number;
  idleMs?: number;
  /** a line for the log, once per new session */
  log?: (line: string) => void;
}

export interface ReflectorCounters {
  reflected: number;
  malformed: number;
  authFailures: number;
  rateLimited: number;
  sessions: number;
  dscpCapable: boolean;
}

export interface RunningReflector {
  port: number;
  counters(): ReflectorCounters;
  close(): void;
}

interface Session {
  seq: number;
  tokens: number;
  lastMs: number;
}

/** the reflected TLVs: CoS filled in, padding copied, HMAC left to the encoder, anything else flagged U */
export function reflectTlvs(tlvs: readonly StampTlv[], rx: { dscp: number | null; ecn: number | null }, canSetDscp: boolean): { tlvs: StampTlv[]; dscp1: number | null } {
  const out: StampTlv[] = [];
  let dscp1: number | null = null;
  for (const t of tlvs) {
    if (t.type === TLV_HMAC) continue;
    if (t.type === TLV_CLASS_OF_SERVICE) {
      const cos = decodeClassOfService(t.value);
      if (cos === null) {
        out.push({ flags: t.flags | 0x40, type: t.type, value: t.value });
        continue;
      }
      dscp1 = cos.dscp1;
      out.push(classOfServiceTlv({ dscp1: cos.dscp1, dscp2: rx.dscp ?? 0, ecn: rx.ecn ?? 0, rp: canSetDscp ? 0 : 1 }, rx.dscp === null ? TLV_FLAG_U : 0));
    } else if (t.type === TLV_EXTRA_PADDING) {
      out.push(t);
    } else {
      out.push({ flags: t.flags | TLV_FLAG_U, type: t.type, value: t.value });
    }
  }
  return { tlvs: out, dscp1 };
}

export async function startReflector(opts: ReflectorOptions): Promise<RunningReflector> {
  const maxSessions = opts.maxSessions ?? 1024;
  const rate = opts.maxPacketsPerSecond ?? 1000;
  const idleMs = opts.idleMs ?? 300_000;
  const sessions = new Map<string, Session>();
  const c: ReflectorCounters = { reflected: 0, malformed: 0, authFailures: 0, rateLimited: 0, sessions: 0, dscpCapable: false };
  const family = opts.address.includes(':') ? 6 : 4;
  const socket = openSocket(family, (m) => reflect(m));
  c.dscpCapable = socket.dscpCapable;

  function session(key: string, at: number): Session {
    let s = sessions.get(key);
    if (s !== undefined) {
      sessions.delete(key);
      if (at - s.lastMs > idleMs) s = undefined;
    }
    if (s === undefined) {
      s = { seq: 0, tokens: rate, lastMs: at };
      c.sessions += 1;
      opts.log?.(`new STAMP session ${key}`);
      while (sessions.size >= maxSessions) sessions.delete(sessions.keys().next().value!);
    }
    sessions.set(key, s);
    s.tokens = Math.min(rate, s.tokens + ((at - s.lastMs) / 1000) * rate);
    s.lastMs = at;
    return s;
  }

  function reflect(m: Received): void {
    const d = decodeStampSender(m.data, 0, m.data.length, opts.mode);
    if (!d.ok) {
      c.malformed += 1;
      return;
    }
    if (opts.mode === 'authenticated' && (!verifyStampHmac(opts.key!, m.data) || !verifyTlvHmac(opts.key!, m.data, opts.mode))) {
      c.authFailures += 1;
      return;
    }
    const p = d.value;
    const s = session(`${m.address}|${m.port}|${p.ssid}`, m.atMs);
    if (s.tokens < 1) {
      c.rateLimited += 1;
      return;
    }
    s.tokens -= 1;
    const back = reflectTlvs(p.tlvs, m, socket.dscpCapable);
    const clock = clockState();
    const t3 = nowMs();
    const packet = encodeStampReflector({
      seq: s.seq++, timestamp: ntpFromEpochMs(t3), errorEstimate: errorEstimateFor(clock.errorSeconds ?? 1, clock.synchronised === true),
      ssid: p.ssid, receiveTimestamp: ntpFromEpochMs(m.atMs), senderSeq: p.seq, senderTimestamp: p.timestamp,
      senderErrorEstimate: p.errorEstimate, senderTtl: m.ttl ?? 0, tlvs: back.tlvs,
    }, opts.mode, opts.key);
    socket.send(packet, m.address, m.port, back.dscp1 ?? m.dscp ?? 0);
    c.reflected += 1;
  }

  const port = await socket.bind(opts.address, opts.port);
  return {
    port,
    counters: () => ({ ...c }),
    close: () => socket.close(),
  };
}
