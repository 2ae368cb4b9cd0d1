/**
 * The Prometheus view of an analysis: one registry fed by the same listener events as `analyze`,
 * whatever the source (a file, a paced replay, later the live proxy).
 *
 * - counters advance from listener events and from per-stream deltas at each capture second, so
 *   they stay monotonic when streams go stale and disappear from the live view;
 * - histograms are observed once per active stream per capture second (jitter) and once per call
 *   (setup time);
 * - gauges are computed on scrape from the LiveView (style habit 14: values computed on scrape).
 *
 * Labels are bounded: site and profile (from settings), codec, peer (configured group or "other"),
 * direction. No Call-ID or SSRC on long-lived series; the per-stream gauges carry the report's
 * stream id and are dropped as soon as the stream is no longer active.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Thresholds } from '../../model/report.js';
import type { AnalysisListener, LiveCall, LiveStream, LiveView } from '../../pipeline/events.js';
import type { Settings } from '../../config/settings.js';
import { ComputedGaugeFamily, CounterFamily, HistogramFamily } from './family.js';
import type { Family, FamilySnapshot, LabelValues, Sample } from './family.js';
import {
  NetworkGroups, callStateLabel, codecLabel, directionLabel, findingCodeLabel, peerLabel, statusClassLabel,
} from './labels.js';
import { renderLabels } from './exposition.js';
import { isAlgNatCode } from '../../detect/alg/observation.js';
import { registerFamily } from './prom-bridge.js';

/** the census names as label values: UDP/TCP ports collapse (the port set is open), the rest are bounded names */
function undecodedLabel(what: string): string {
  if (what.startsWith('UDP port ')) return 'UDP other';
  if (what.startsWith('TCP port ')) return 'TCP other';
  return what;
}

/** buckets around the VoIP-Ready limits (jitter 20 ms, one-way delay 50 ms), in seconds */
export const DELAY_BUCKETS_SECONDS = [0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.15, 0.3] as const;
/** MOS buckets around the G.109 categories (G.107 Annex B: 4.4 is about the best narrowband call) */
export const MOS_BUCKETS = [1, 2, 3, 3.5, 3.8, 4, 4.2, 4.4, 4.5] as const;
/** the one-way delay methods (closed set), else other */
export const DELAY_METHODS = ['rtcp-rtt', 'rtcp-ntp', 'two-point', 'stamp', 'proxy-rtcp'] as const;
export const SETUP_BUCKETS_SECONDS = [0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20] as const;

const COMMON_CALL_ENDINGS = [['ended', '2xx'], ['rejected', '4xx'], ['cancelled', '4xx'], ['incomplete', 'none']] as const;
const LINT_FAILING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** how many forgotten streams keep their counted totals (see retire()) */
const RETIRED_CAP = 50_000;

export const STREAM_LABELS = ['site', 'profile', 'codec', 'peer', 'direction'] as const;

export interface MetricsOptions {
  registry?: Registry;
  settings: Settings;
  /** prom-client's process/Node metrics (off for backfill files and most tests) */
  defaultMetrics?: boolean;
  /** local networks for the `direction` label; without them direction is "unknown" */
  localNetworks?: string[];
}

export interface VoipreadyMetrics {
  registry: Registry;
  listener: AnalysisListener;
  /** the live view gauges are computed from at scrape time */
  attach(view: LiveView): void;
  /** every voipready family now, synchronously (the backfill writer calls this at each capture second) */
  snapshot(view?: LiveView): FamilySnapshot[];
  /**
   * one-way delay samples measured outside the streams' own RTCP: the two-capture match (method
   * "two-point"), the STAMP probe ("stamp") and the proxy's segments ("proxy-rtcp"), into voipready_rtp_one_way_delay_seconds with the
   * labels a stream between src and dst would have
   */
  observeOneWayDelay(o: OneWayDelaySample): void;
  /**
   * streams for which `superseded` is true are not observed under rtcp-rtt: a source with a better
   * figure for them (the proxy's proxy-rtcp, whose own RTT covers only the far segment) observes that instead
   */
  supersedeRtcpRtt(superseded: (s: LiveStream) => boolean): void;
}

export interface OneWayDelaySample {
  /** "ip:port" (or a bare address) of the sender and the receiver of the measured direction */
  src: string;
  dst: string;
  codec: string;
  method: 'two-point' | 'stamp' | 'proxy-rtcp';
  seconds: number;
  /** how many packets had this delay (default 1) */
  count?: number;
  /** the direction label when the source knows it (the probe: forward = outbound); default from the local networks */
  direction?: 'inbound' | 'outbound';
}

interface StreamState {
  labels: LabelValues;
  /** labels + stream id for the per-stream gauges, and their rendered text (built once per stream) */
  gaugeLabels: LabelValues;
  gaugeLabelText: string;
  packets: number;
  expected: number;
  countedLost: number;
  dscpMismatch: number;
  portCounted: boolean;
  /** the onSecond generation that last saw the stream active */
  seen: number;
  /** the stream's MOS went into voipready_rtp_mos (once, when it ends) */
  mosObserved: boolean;
  stream: LiveStream;
}

export function createMetrics(opts: MetricsOptions): VoipreadyMetrics {
  const registry = opts.registry ?? new Registry();
  const m = new MetricSet(opts);
  for (const f of m.families) registerFamily(registry, f);
  if (opts.defaultMetrics === true) {
    collectDefaultMetrics({ register: registry });
    // prom-client names these gauges *_total, which `promtool check metrics` rejects; the per-type
    // gauges without the suffix (nodejs_active_handles, ...) carry the same information
    for (const name of LINT_FAILING_DEFAULTS) registry.removeSingleMetric(name);
  }
  return {
    registry,
    listener: m.listener(),
    attach: (view) => {
      m.view = view;
    },
    snapshot: (view) => m.snapshot(view),
    observeOneWayDelay: (o) => m.observeOneWayDelay(o),
    supersedeRtcpRtt: (superseded) => {
      m.rttSuperseded = superseded;
    },
  };
}

class MetricSet {
  view: LiveView | null = null;
  rttSuperseded: (s: LiveStream) => boolean = () => false;
  readonly families: Family[];
  private readonly constLabels: LabelValues;
  private readonly peers: NetworkGroups;
  private readonly local: NetworkGroups | null;
  private readonly thresholds: Thresholds;
  private readonly streams = new Map<string, StreamState>();
  private readonly retired = new Map<string, StreamState>();
  private readonly setupObserved = new Set<string>();
  private generation = 0;

  private readonly received: CounterFamily;
  private readonly expected: CounterFamily;
  private readonly lost: CounterFamily;
  private readonly dscpMismatch: CounterFamily;
  private readonly portOutOfRange: CounterFamily;
  private readonly streamsStarted: CounterFamily;
  private readonly callsStarted: CounterFamily;
  private readonly callsEnded: CounterFamily;
  private readonly findings: CounterFamily;
  private readonly undecoded: CounterFamily;
  /** packets per `what` label counted so far */
  private readonly undecodedSeen = new Map<string, number>();
  private readonly algFindings: CounterFamily;
  private readonly jitter: HistogramFamily;
  private readonly delay: HistogramFamily;
  private readonly mos: HistogramFamily;
  private readonly setup: HistogramFamily;

  constructor(opts: MetricsOptions) {
    const s = opts.settings;
    this.constLabels = { site: s.site, profile: s.profile };
    this.peers = new NetworkGroups(s.peers);
    this.local = opts.localNetworks !== undefined ? new NetworkGroups([{ name: 'local', networks: opts.localNetworks }]) : null;
    this.thresholds = s.thresholds;
    const sl = STREAM_LABELS;
    const c = (name: string, help: string, labels: readonly string[]): CounterFamily => new CounterFamily(name, help, labels);
    this.received = c('voipready_rtp_packets_received_total', 'RTP packets received, summed over streams.', sl);
    this.expected = c('voipready_rtp_packets_expected_total', 'RTP packets expected from the sequence numbers (RFC 3550 A.3), summed over streams.', sl);
    this.lost = c('voipready_rtp_packets_lost_total', 'RTP packets lost (expected - received as tshark counts it; only increases are counted).', sl);
    this.dscpMismatch = c('voipready_rtp_dscp_mismatch_packets_total', 'RTP packets whose DSCP is not one the profile allows for RTP (EF).', sl);
    this.portOutOfRange = c('voipready_rtp_streams_port_out_of_range_total', 'RTP streams whose ports are outside the profile\'s RTP port range.', sl);
    this.streamsStarted = c('voipready_rtp_streams_started_total', 'RTP streams seen (first packet).', sl);
    this.callsStarted = c('voipready_sip_calls_started_total', 'SIP calls (initial INVITEs) seen.', ['site', 'profile']);
    this.callsEnded = c('voipready_sip_calls_ended_total', 'SIP calls ended, by final state and final response class of the INVITE.', ['site', 'profile', 'state', 'status_class']);
    this.undecoded = c('voipready_undecoded_packets_total', 'Packets seen and not analysed, by what they are (IPsec ESP, ARP, an unknown tunnel payload...; UDP and TCP that is not SIP/RTP as "UDP other" / "TCP other").', ['site', 'profile', 'what']);
    this.findings = c('voipready_findings_total', 'Findings raised by the analysis, by stable code and severity.', ['site', 'profile', 'code', 'severity']);
    this.algFindings = c('voipready_sip_alg_findings_total', 'SIP ALG and NAT findings of the passive detector, by code (SIP_ALG_REWRITE, NAT_PRIVATE_ADDRESS_IN_SIP/SDP, SIP_CONTENT_LENGTH_MISMATCH, RTP_FROM_UNSIGNALLED_ADDRESS, SDP_PORT_MISMATCH, ...).', ['site', 'profile', 'code']);
    this.jitter = new HistogramFamily('voipready_rtp_jitter_seconds', 'RFC 3550 interarrival jitter of each active stream, observed once per capture second.', sl, DELAY_BUCKETS_SECONDS);
    this.delay = new HistogramFamily('voipready_rtp_one_way_delay_seconds', 'Network one-way delay of each active stream whose delay is measured, observed once per capture second; method: rtcp-rtt (RTCP round trip / 2, assumes a symmetric path), rtcp-ntp (SR NTP clock vs capture clock, synchronised), two-point (per packet between two captures, analyze --peer) stamp (per STAMP probe packet, synchronised clocks) or proxy-rtcp (voipready proxy: both segments RTT / 2 plus the proxy added delay).', [...sl, 'method'], DELAY_BUCKETS_SECONDS);
    this.mos = new HistogramFamily('voipready_rtp_mos', 'ITU-T G.107 E-model MOS (MOS-CQE, 1-4.5) of each stream, observed once when it ends.', sl, MOS_BUCKETS);
    this.setup = new HistogramFamily('voipready_sip_call_setup_seconds', 'SIP call setup time, INVITE to 200 OK, per answered call.', ['site', 'profile'], SETUP_BUCKETS_SECONDS);
    // known label values start at 0, so rate()/increase() and the dashboards see them before the first event
    this.callsStarted.zero(this.constLabels);
    for (const [state, cls] of COMMON_CALL_ENDINGS) this.callsEnded.zero({ ...this.constLabels, state, status_class: cls });
    this.setup.zero(this.constLabels);
    this.algFindings.zero({ ...this.constLabels, code: 'none' });
    this.families = [
      this.received, this.expected, this.lost, this.dscpMismatch, this.portOutOfRange, this.streamsStarted,
      this.callsStarted, this.callsEnded, this.findings, this.undecoded, this.algFindings, this.jitter, this.delay, this.mos, this.setup,
      ...this.gauges(),
    ];
  }

  listener(): AnalysisListener {
    return {
      onStream: (s, event) => {
        // 'end' only takes the final totals; the stale sweep in onSecond forgets the stream
        if (event === 'start' || event === 'end') this.advance(this.state(s), s);
        // a retired stream never comes back: nothing to remember (memory stays flat over weeks)
        if (s.retired === true) {
          this.observeMos(this.state(s), s);
          this.streams.delete(s.id);
          this.retired.delete(s.id);
        }
      },
      onCall: (call, event) => this.onCall(call, event),
      onFinding: (f) => {
        const code = findingCodeLabel(f.code);
        this.findings.inc({ ...this.constLabels, code, severity: f.severity });
        if (isAlgNatCode(code)) this.algFindings.inc({ ...this.constLabels, code });
      },
      onSecond: (_sec, view) => this.onSecond(view),
      onEnd: (_report, view) => {
        this.onSecond(view);
        // streams that lived and died between two capture seconds are counted here
        for (const s of view.streams()) {
          const st = this.state(s);
          this.advance(st, s);
          this.observeMos(st, s);
        }
      },
    };
  }

  snapshot(view?: LiveView): FamilySnapshot[] {
    const saved = this.view;
    if (view !== undefined) this.view = view;
    try {
      return this.families.map((f) => f.snapshot());
    } finally {
      this.view = saved;
    }
  }

  observeOneWayDelay(o: OneWayDelaySample): void {
    const labels: LabelValues = {
      ...this.constLabels,
      codec: codecLabel(o.codec),
      peer: peerLabel(this.peers, o.src, o.dst),
      direction: o.direction ?? directionLabel(this.local, o.src, o.dst),
      method: o.method,
    };
    this.delay.observe(labels, o.seconds, o.count ?? 1);
  }

  private state(s: LiveStream): StreamState {
    let st = this.streams.get(s.id) ?? this.revive(s.id);
    if (st === undefined) {
      const labels: LabelValues = {
        ...this.constLabels,
        codec: codecLabel(s.codec),
        peer: peerLabel(this.peers, s.src, s.dst),
        direction: directionLabel(this.local, s.src, s.dst),
      };
      const gaugeLabels = { ...labels, stream: s.id };
      st = { labels, gaugeLabels, gaugeLabelText: renderLabels(gaugeLabels), packets: 0, expected: 0, countedLost: 0, dscpMismatch: 0, portCounted: false, seen: this.generation, mosObserved: false, stream: s };
      this.streams.set(s.id, st);
      this.streamsStarted.inc(labels);
      for (const f of [this.received, this.expected, this.lost, this.dscpMismatch, this.portOutOfRange]) f.zero(labels);
      this.delay.zero({ ...labels, method: 'rtcp-rtt' });
      this.mos.zero(labels);
    }
    st.stream = s;
    return st;
  }

  /** counters follow the stream's totals; a total that goes down (lost, with late duplicates) is not subtracted */
  private advance(st: StreamState, s: LiveStream): void {
    if (s.packets > st.packets) this.received.inc(st.labels, s.packets - st.packets);
    st.packets = Math.max(st.packets, s.packets);
    if (s.expected > st.expected) this.expected.inc(st.labels, s.expected - st.expected);
    st.expected = Math.max(st.expected, s.expected);
    if (s.lost > st.countedLost) this.lost.inc(st.labels, s.lost - st.countedLost);
    st.countedLost = Math.max(st.countedLost, s.lost);
    if (s.dscpMismatchPackets > st.dscpMismatch) this.dscpMismatch.inc(st.labels, s.dscpMismatchPackets - st.dscpMismatch);
    st.dscpMismatch = Math.max(st.dscpMismatch, s.dscpMismatchPackets);
    if (s.portOutOfRange && !st.portCounted) {
      this.portOutOfRange.inc(st.labels);
      st.portCounted = true;
    }
  }

  /** the census only grows: each what's increase since the last second is added */
  private countUndecoded(view: LiveView): void {
    if (view.undecoded === undefined) return;
    const now = new Map<string, number>();
    for (const u of view.undecoded()) {
      const what = undecodedLabel(u.what);
      now.set(what, (now.get(what) ?? 0) + u.packets);
    }
    for (const [what, n] of now) {
      const before = this.undecodedSeen.get(what) ?? 0;
      if (n > before) this.undecoded.inc({ ...this.constLabels, what }, n - before);
      this.undecodedSeen.set(what, Math.max(before, n));
    }
  }

  private onSecond(view: LiveView): void {
    this.countUndecoded(view);
    const gen = ++this.generation;
    for (const s of view.activeStreams()) {
      const st = this.state(s);
      st.seen = gen;
      this.advance(st, s);
      this.jitter.observe(st.labels, s.jitterMs / 1000);
      const d = s.oneWayDelay ?? null;
      if (d !== null && !(d.method === 'rtcp-rtt' && this.rttSuperseded(s))) this.delay.observe({ ...st.labels, method: delayMethodLabel(d.method) }, d.ms / 1000);
    }
    // streams that went stale without an 'end' event: take their last totals, then forget them
    for (const [id, st] of this.streams) {
      if (st.seen !== gen) {
        this.advance(st, st.stream);
        this.streams.delete(id);
        this.retire(id, st);
      }
    }
  }

  /** the stream's final MOS, once (a stream without one, e.g. telephone-event only, is not observed) */
  private observeMos(st: StreamState, s: LiveStream): void {
    if (st.mosObserved) return;
    const m = s.mos ?? null;
    if (m === null) return;
    this.mos.observe(st.labels, m);
    st.mosObserved = true;
  }

  /**
   * Forgotten streams keep their counted totals for a while, so a stream that comes back (a pause
   * longer than staleSeconds, or the final sweep at the end) is not counted twice. Bounded: the
   * oldest are dropped first.
   */
  private retire(id: string, st: StreamState): void {
    this.retired.set(id, st);
    if (this.retired.size > RETIRED_CAP) {
      const oldest = this.retired.keys().next();
      if (oldest.done !== true) this.retired.delete(oldest.value);
    }
  }

  private revive(id: string): StreamState | undefined {
    const st = this.retired.get(id);
    if (st !== undefined) {
      this.retired.delete(id);
      this.streams.set(id, st);
    }
    return st;
  }

  private onCall(call: LiveCall, event: 'start' | 'answered' | 'end'): void {
    if (event === 'start') this.callsStarted.inc(this.constLabels);
    if ((event === 'answered' || event === 'end') && call.setupMs !== null && !this.setupObserved.has(call.callId)) {
      this.setup.observe(this.constLabels, call.setupMs / 1000);
      this.setupObserved.add(call.callId);
    }
    if (event === 'end') {
      this.callsEnded.inc({ ...this.constLabels, state: callStateLabel(call.state), status_class: statusClassLabel(call.finalStatus) });
      this.setupObserved.delete(call.callId);
    }
  }

  private labelsOf(s: LiveStream): LabelValues {
    return this.streams.get(s.id)?.labels ?? {
      ...this.constLabels,
      codec: codecLabel(s.codec),
      peer: peerLabel(this.peers, s.src, s.dst),
      direction: directionLabel(this.local, s.src, s.dst),
    };
  }

  private gauges(): Family[] {
    const g = (name: string, help: string, compute: () => Sample[]): Family => new ComputedGaugeFamily(name, help, compute);
    const one = (value: number): Sample[] => [{ labels: this.constLabels, value }];
    const t = this.thresholds;
    return [
      g('voipready_streams_active', 'RTP streams with a packet in the last staleSeconds of capture time.', () => this.countActive()),
      g('voipready_calls_active', 'SIP calls set up or in progress.', () => one(this.view?.activeCalls().length ?? 0)),
      g('voipready_stream_jitter_seconds', 'Current RFC 3550 interarrival jitter of each active stream (removed when the stream goes stale).', () =>
        this.perActive((s) => s.jitterMs / 1000)),
      g('voipready_stream_mos', 'Current ITU-T G.107 E-model MOS of each active stream (removed when the stream goes stale).', () =>
        this.perActive((s) => s.mos ?? null)),
      g('voipready_stream_loss_ratio', 'Lost / expected packets of each active stream so far, as the report counts them (duplicates once, never negative; removed when the stream goes stale).', () =>
        this.perActive(lossRatio)),
      g('voipready_streams', 'RTP streams seen so far, by their current verdict (pass, warn, fail).', () => this.byVerdict()),
      g('voipready_capture_time_seconds', 'Capture time of the latest packet (epoch seconds); replay shifts it to now.', () =>
        one((this.view?.nowEpochMs() ?? 0) / 1000)),
      g('voipready_threshold_jitter_seconds', 'Configured jitter limit.', () => one(t.jitterMs / 1000)),
      g('voipready_threshold_loss_ratio', 'Configured packet loss limit.', () => one(t.lossPercent / 100)),
      g('voipready_threshold_one_way_delay_seconds', 'Configured one-way delay limit.', () => one(t.oneWayDelayMs / 1000)),
      g('voipready_threshold_total_delay_seconds', 'Configured total (mouth-to-ear) delay limit.', () => one(t.totalDelayMs / 1000)),
      g('voipready_threshold_warn_ratio', 'Fraction of a limit above which a value is a warning.', () => one(t.warnFraction)),
    ];
  }

  private countActive(): Sample[] {
    const counts = new Map<string, Sample>();
    for (const s of this.view?.activeStreams() ?? []) {
      const labels = this.labelsOf(s);
      const key = `${labels.codec}\u0000${labels.peer}\u0000${labels.direction}`;
      const sample = counts.get(key);
      if (sample === undefined) counts.set(key, { labels, value: 1 });
      else sample.value += 1;
    }
    if (counts.size === 0) return [{ labels: { ...this.constLabels, codec: 'none', peer: 'none', direction: 'unknown' }, value: 0 }];
    return [...counts.values()];
  }

  /** one sample per active stream; a stream whose value is null (no MOS) has none */
  private perActive(value: (s: LiveStream) => number | null): Sample[] {
    const out: Sample[] = [];
    for (const s of this.view?.activeStreams() ?? []) {
      const v = value(s);
      if (v === null) continue;
      const st = this.streams.get(s.id);
      if (st !== undefined) out.push({ labels: st.gaugeLabels, labelText: st.gaugeLabelText, value: v });
      else out.push({ labels: { ...this.labelsOf(s), stream: s.id }, value: v });
    }
    return out;
  }

  private byVerdict(): Sample[] {
    // every stream of the run: retired ones with their final verdict (the view keeps the counts)
    const n = this.view?.streamVerdicts() ?? { pass: 0, warn: 0, fail: 0 };
    return (['pass', 'warn', 'fail'] as const).map((v) => ({ labels: { ...this.constLabels, verdict: v }, value: n[v] }));
  }
}

/** the report's loss (lostCounted / expectedCounted), tshark's clamped at 0 where a view has no counted figures */
export function lossRatio(s: LiveStream): number {
  const lost = s.lostCounted ?? Math.max(0, s.lost);
  const expected = s.expectedCounted ?? s.expected;
  return expected > 0 ? lost / expected : 0;
}

/** a delay method as a label value (closed set, else other) */
export function delayMethodLabel(method: string): string {
  return (DELAY_METHODS as readonly string[]).includes(method) ? method : 'other';
}
