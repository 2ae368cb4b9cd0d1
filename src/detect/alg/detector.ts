/**
 * The SIP ALG / NAT detector: a pipeline listener (src/pipeline/events.ts) that runs the pure checks
 * of this folder on every SIP message (onSip) and every RTP stream (onStream), and raises one finding
 * per call and code through ctx.raise(), with the evidence of the first message that showed it.
 *
 * Bounded over any running time: a call's signalled endpoints are forgotten ENDED_KEEP_MS after the
 * call ended (so what is held follows the calls up, as the pipeline's retention does), and the calls,
 * the streams waiting for both sides' SDP and the raised keys are also capped maps that drop their
 * oldest entries (calls that never end).
 */
import type { AnalysisListener, ListenerContext, LiveCall, LiveStream, SipEvent } from '../../pipeline/events.js';
import { detachString } from '../../decode/sip/strings.js';
import { sameAddress, splitEndpoint } from './addresses.js';
import { checkAddresses } from './address-check.js';
import { sdpOf } from './fields.js';
import { checkContentLength, checkReceived } from './message-checks.js';
import { checkStream, type SignalledEndpoint } from './media-check.js';
import { toFinding, type Observation } from './observation.js';

const MAX_CALLS = 4096;
const MAX_ENDPOINTS_PER_CALL = 16;
const MAX_PENDING_STREAMS = 4096;
const MAX_RAISED_KEYS = 20000;
/** a stream whose call never shows SDP from both sides is given up after this long */
const PENDING_MS = 60_000;
/** an ended call's endpoints are kept this long (analysis clock) for its streams that start or end late */
export const ENDED_KEEP_MS = 60_000;

interface CallMedia {
  endpoints: SignalledEndpoint[];
  /** SIP senders ("addr:port") whose SDP was seen */
  senders: Set<string>;
}

interface Pending {
  stream: LiveStream;
  callId: string | null;
  since: number;
}

/** a Map used as a bounded insertion-ordered set/LRU: the oldest entry goes when full */
function bounded<K, V>(m: Map<K, V>, key: K, value: V, max: number): void {
  m.delete(key);
  if (m.size >= max) m.delete(m.keys().next().value as K);
  m.set(key, value);
}

export class AlgDetector {
  private ctx: ListenerContext | null = null;
  private readonly calls = new Map<string, CallMedia>();
  private readonly pending = new Map<string, Pending>();
  /** Call-ID -> ids of its pending streams: an SDP message retries only its own call's streams (no scan of all) */
  private readonly waiting = new Map<string, string[]>();
  private readonly raised = new Map<string, true>();
  /** Call-ID -> when it ended (ms), in the order calls ended: forgotten ENDED_KEEP_MS later */
  private readonly ended = new Map<string, number>();
  /** observations per code raised so far (tests, debugging) */
  readonly counts = new Map<string, number>();

  listener(): AnalysisListener {
    return {
      onAttach: (ctx) => { this.ctx = ctx; },
      onSip: (e) => this.onSip(e),
      onStream: (s, event) => this.onStream(s, event),
      onCall: (c, event) => {
        if (event === 'end') this.callEnded(c);
      },
      onSecond: () => this.sweep(),
    };
  }

  private raise(o: Observation, scope: string): void {
    const key = `${o.callId ?? scope}|${o.code}`;
    if (this.raised.has(key)) return;
    bounded(this.raised, key, true, MAX_RAISED_KEYS);
    this.counts.set(o.code, (this.counts.get(o.code) ?? 0) + 1);
    this.ctx?.raise(toFinding(o));
  }

  private onSip(e: SipEvent): void {
    const sdp = sdpOf(e.message);
    const scope = `src ${e.src}`;
    for (const o of checkAddresses(e.message, e, sdp)) this.raise(o, scope);
    for (const o of checkContentLength(e)) this.raise(o, scope);
    for (const o of checkReceived(e)) this.raise(o, scope);
    if (sdp === null || e.message.callId === null) return;
    // the detector's own copy: the message's Call-ID as a Map key would keep the whole message alive
    const callId = detachString(e.message.callId);
    let call = this.calls.get(callId);
    if (call === undefined) call = { endpoints: [], senders: new Set() };
    bounded(this.calls, callId, call, MAX_CALLS);
    // SDP again after the end (a late re-INVITE answered): the call is up again
    this.ended.delete(callId);
    call.senders.add(`${e.src}:${e.srcPort}`);
    for (const m of sdp.media) {
      const addr = m.connection?.address;
      if (addr === undefined || m.port === 0 || call.endpoints.length >= MAX_ENDPOINTS_PER_CALL) continue;
      if (call.endpoints.some((x) => x.port === m.port && sameAddress(x.addr, addr))) continue;
      const c = m.source.connections[0] ?? sdp.source.connections.at(-1);
      const lines = [m.source.media.raw, c?.raw].filter((x) => x !== undefined).join(' | ');
      call.endpoints.push({ addr: detachString(addr), port: m.port, packet: e.packet, lines: detachString(lines) });
    }
    const ids = this.waiting.get(callId);
    if (ids === undefined) return;
    this.waiting.delete(callId);
    for (const id of ids) {
      const p = this.pending.get(id);
      if (p === undefined) continue;
      this.tryStream(id, p);
      this.wait(id);
    }
  }

  /** the call a stream belongs to: the pipeline's tie, else the call whose SDP named its destination */
  private callOf(s: LiveStream): string | null {
    if (s.callId !== null) return s.callId;
    const dst = splitEndpoint(s.dst);
    if (dst === null) return null;
    for (const [id, c] of this.calls) if (c.endpoints.some((x) => x.port === dst.port && sameAddress(x.addr, dst.addr))) return id;
    return null;
  }

  private onStream(s: LiveStream, event: 'start' | 'end'): void {
    if (event === 'start') {
      bounded(this.pending, s.id, { stream: s, callId: this.callOf(s), since: this.ctx?.view.nowEpochMs() ?? 0 }, MAX_PENDING_STREAMS);
      this.tryStream(s.id, this.pending.get(s.id)!);
      this.wait(s.id);
      return;
    }
    const p = this.pending.get(s.id);
    if (p !== undefined) this.tryStream(s.id, p);
    if (s.retired === true) this.pending.delete(s.id);
  }

  /** a stream still pending waits for its call's next SDP */
  private wait(id: string): void {
    const p = this.pending.get(id);
    const callId = p === undefined ? null : p.stream.callId ?? p.callId;
    if (callId === null) return;
    const ids = this.waiting.get(callId);
    if (ids !== undefined) ids.push(id);
    else bounded(this.waiting, callId, [id], MAX_PENDING_STREAMS);
  }

  private tryStream(id: string, p: Pending): void {
    const callId = p.stream.callId ?? p.callId ?? this.callOf(p.stream);
    const call = callId === null ? undefined : this.calls.get(callId);
    if (callId === null || call === undefined || call.senders.size < 2) return;
    this.pending.delete(id);
    const s = p.stream;
    for (const o of checkStream({ id: s.id, ssrc: s.ssrc, src: s.src, dst: s.dst, callId }, call.endpoints)) this.raise(o, s.id);
  }

  /** calls whose signalled endpoints are held now */
  get heldCalls(): number {
    return this.calls.size;
  }

  private callEnded(c: LiveCall): void {
    if (!this.calls.has(c.callId)) return;
    this.ended.delete(c.callId);
    this.ended.set(c.callId, c.endEpochMs ?? this.ctx?.view.nowEpochMs() ?? 0);
  }

  private sweep(): void {
    const now = this.ctx?.view.nowEpochMs() ?? 0;
    for (const [id, at] of this.ended) {
      // in the order calls ended: the first one still within its keep time ends the sweep
      if (now - at <= ENDED_KEEP_MS) break;
      this.ended.delete(id);
      this.calls.delete(id);
      this.waiting.delete(id);
    }
    for (const [id, p] of this.pending) {
      if (now - p.since > PENDING_MS) this.pending.delete(id);
      else this.tryStream(id, p);
    }
  }
}

/** a fresh detector's listener: what the pipeline's default listeners include */
export function algDetectorListener(): AnalysisListener {
  return new AlgDetector().listener();
}
