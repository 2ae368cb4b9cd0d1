/**
 * The analysis pipeline: capture record -> frame decode -> (IP reassembly) -> UDP/TCP ->
 * SIP (calls, expected media) | RTP/RTCP (streams, measurements) -> verdict -> report.
 *
 * Two entries: frames (push: a file reader, stdin, a replay pacer, an interface capture) and
 * datagrams (pushDatagram: the proxy's sockets, HEP, a probe), which meet at the same UDP/TCP paths.
 * The clock runs on packet time; a live source also drives it with tickTo() on wall-clock seconds,
 * so per-second events, stale streams and retirement happen on time when nothing arrives.
 * Listeners (Prometheus, OpenMetrics, remote_write, the HTTP API, detectors) subscribe through the
 * EventBus and read the LiveView; they never reach in here.
 */
import { GATEWAY_PORTS, GatewayMediaTracker } from '../track/gateway-media.js';
import { InterfaceClocks, type ClocksApart } from '../measure/interface-clocks.js';
import { withMediaEnd } from './call-media-end.js';
import type { CaptureRecord, CaptureSummary, PcapLayout, PcapngInterfaces, PcapRunTaker } from '../capture/record.js';
import { linkTypeName } from '../capture/link-types.js';
import { AddressTable } from '../decode/ip/address-table.js';
import { FrameDecoder } from '../decode/frame-decoder.js';
import { PacketInfo, IPPROTO_TCP, IPPROTO_UDP } from '../decode/packet-info.js';
import type { AnalysisReport, Finding, ReportWindow, StreamReport, UndecodedTraffic } from '../model/report.js';
import { undecodedName, U_IP_FRAGMENTS, U_IP_PROTOCOL, U_MEDIA_CONTROL, U_TCP, U_UDP } from '../decode/protocol-names.js';
import { isDtls, isStun, isTurnChannelData, isZrtp } from '../decode/stun.js';
import { servicePort, TrafficCensus } from '../track/traffic-census.js';
import { LinkUtilisationMeter } from '../measure/link-utilisation.js';
import type { AnalysisSettings, RetentionSettings } from '../config/settings.js';
import { EventBus } from './event-bus.js';
import type { AnalysisListener, LiveView } from './events.js';
import { buildReport, NO_RETENTION } from './build-report.js';
import { SignallingPath } from './signalling-path.js';
import { MediaPath } from './media-path.js';
import { LiveState } from './live-state.js';
import { DecodeErrorLog } from './decode-error-log.js';
import type { RtpFastPath } from './rtp-fast-path.js';
import type { ReadOptions } from '../capture/file-source.js';
import { DatagramDecoder, type Datagram } from './datagram.js';
import { DEFAULT_RETENTION, type RetentionOptions } from '../config/sections/retention.js';
import { RunHistory } from './run-history.js';
import { Retirer } from './retirer.js';
import { isoTime } from '../model/iso-time.js';
import { defaultListeners } from './default-listeners.js';

/** see Analyzer.refineStreams */
export type StreamRefiner = (s: Omit<StreamReport, 'verdict'>) => Omit<StreamReport, 'verdict'>;

export interface AnalyzerOptions {
  file: string;
  /** the analysis part of Settings; its retention part, when present, sets how long streams and calls are held */
  settings: AnalysisSettings & Partial<RetentionSettings>;
  listeners?: AnalysisListener[];
  /** keep per-stream time series (for the HTML report and --series) */
  series?: boolean;
  /**
   * measure RTP packets of known flows in WebAssembly (src/wasm/fast-path.ts) when the records come
   * from readOptions()' buffer; same figures, several times faster. Default true; false for tests.
   */
  fastPath?: boolean;
  /** overrides of settings.retention (default DEFAULT_RETENTION) */
  retention?: Partial<RetentionOptions>;
  /** add the default detectors (default-listeners.ts: SIP ALG/NAT) before `listeners`; default true */
  detectors?: boolean;
}

/** what the pipeline holds now: flat over any running time once streams and calls retire */
export interface HeldCounts {
  streams: number;
  calls: number;
  /** WebAssembly stream records in use / allocated */
  records: number;
  recordsAllocated: number;
  signalledEndpoints: number;
  retiredStreams: number;
  retiredCalls: number;
}

/** seconds of silence in the capture beyond which onSecond is not called for every second */
const MAX_SECOND_FILL = 300;

export class Analyzer implements PcapRunTaker {
  readonly view: LiveView;
  private readonly settings: AnalysisSettings;
  private readonly file: string;
  private readonly bus = new EventBus();
  private readonly addresses = new AddressTable();
  private readonly frames: FrameDecoder;
  private readonly pinfo = new PacketInfo();
  private readonly signalling: SignallingPath;
  private readonly media: MediaPath;
  private readonly link: LinkUtilisationMeter | null;
  private readonly errors = new DecodeErrorLog();
  private readonly live: LiveState;
  private readonly fast: RtpFastPath | null;
  private readonly datagrams: DatagramDecoder;
  private readonly history: RunHistory;
  private readonly retirer: Retirer;
  /** records the last take() or takePcapng() consumed */
  taken = 0;
  /** records taken in runs so far (the rest went through push()) */
  recordsInRuns = 0;
  /** the pcapng interfaces the fast path was last given (PcapngInterfaces.version) */
  private pcapngVersion = -1;
  /** set by refineStreams: a source's own delay figures applied to each stream before grading */
  private refine: StreamRefiner | null = null;
  private packets = 0;
  private bytes = 0;
  /** packets seen and not analysed, by kind (not on the RTP path) */
  private readonly census = new TrafficCensus();
  /** packets unwrapped from a tunnel */
  private tunnelled = 0;
  /** registration findings handed out so far, by code and Call-ID (see registrationFindings) */
  private readonly regFindings = new Map<string, Finding>();
  /** MGCP / MEGACO connections' SDP (RTP tied to the gateway's connection, not found by heuristic) */
  private readonly gateway = new GatewayMediaTracker();
  /** each interface's time range: merged captures whose clocks lie months apart */
  private readonly interfaceClocks = new InterfaceClocks();
  private firstSec = -1;
  private firstNsec = 0;
  private lastSec = 0;
  private lastNsec = 0;
  private currentSecond = -1;
  private readonly linkTypes = new Set<number>();
  /** the link type of the previous record (the Set is touched only when it changes) */
  private lastLinkType = -1;

  constructor(opts: AnalyzerOptions) {
    this.settings = opts.settings;
    this.file = opts.file;
    for (const l of [...(opts.detectors === false ? [] : defaultListeners()), ...(opts.listeners ?? [])]) this.bus.add(l);
    this.frames = new FrameDecoder(this.addresses);
    this.media = new MediaPath(this.addresses, opts.settings, this.bus, opts.series === true, opts.fastPath !== false);
    this.fast = this.media.fast;
    this.signalling = new SignallingPath(this.addresses, this.bus, this.errors, (m) => this.media.expect(m));
    this.link = opts.settings.linkSpeedBps === null ? null : new LinkUtilisationMeter(opts.settings.linkSpeedBps);
    const retention = { ...DEFAULT_RETENTION, ...opts.settings.retention, ...opts.retention };
    this.history = new RunHistory(retention.keepStreams, retention.keepCalls);
    this.live = new LiveState(this.settings, this.media, this.signalling, (fromMs) => this.currentReport(fromMs), (s) => this.bus.stream(s, 'end'),
      () => this.nowEpochMs(), () => this.history.streamVerdicts, () => this.undecoded());
    this.view = this.live;
    this.retirer = new Retirer(retention, this.settings.thresholds, this.media, this.signalling, this.history, this.bus, this.live);
    this.datagrams = new DatagramDecoder(this.addresses);
    this.bus.setView(this.view);
  }

  /** what is held in memory now, and what retired (for the soak test, /healthz and benchmarks) */
  held(): HeldCounts {
    const r = this.media.records;
    return {
      streams: this.media.heldStreams, calls: this.signalling.heldCalls, records: r.inUse, recordsAllocated: r.allocated,
      signalledEndpoints: this.media.signalledEndpoints, retiredStreams: this.history.streamsRetired, retiredCalls: this.history.callsRetired,
    };
  }

  /**
   * A reloaded configuration (SIGHUP), applied without losing state: the streams, calls and counters
   * go on, every verdict from now on is graded against the new thresholds (those of streams still up
   * included), DSCP is checked against the new allowed set from the next packet on. The thresholds
   * object is updated in place, so every part that holds it (grading, metrics, live view) sees the new
   * limits. Retention and the link speed stay as they were started.
   */
  reconfigure(next: AnalysisSettings): void {
    const t = this.settings.thresholds as unknown as Record<string, unknown>;
    for (const k of Object.keys(t)) if (!(k in next.thresholds)) delete t[k];
    Object.assign(this.settings.thresholds, next.thresholds);
    this.settings.profile = next.profile;
    this.settings.staleSeconds = next.staleSeconds;
    this.media.setRtpDscp(next.thresholds.rtpDscp);
    this.live.reconfigure(next);
  }

  addListener(listener: AnalysisListener): void {
    this.bus.add(listener);
  }

  /** RTP packets measured by the WebAssembly fast path so far */
  get fastPackets(): number {
    return this.fast === null ? 0 : this.fast.measured;
  }

  /** options for readCaptureFile(): read into the fast path's memory when there is one */
  readOptions(): ReadOptions {
    return this.fast === null ? {} : { buffer: this.fast.chunk, pcapRuns: this };
  }

  /**
   * PcapRunTaker: the fast path takes the pcap records from buf[off] on that it can measure alone and
   * that fall in the current second (a new second goes through push(), which tells the listeners);
   * their counts, bytes and times are applied here as push() would have applied them one by one.
   */
  take(buf: Buffer, off: number, end: number, layout: PcapLayout, firstNum: number): number {
    const fast = this.fast;
    if (fast === null || this.currentSecond < 0) return off;
    const base = fast.addressOf(buf, 0);
    if (base < 0) return off;
    const after = fast.walkPcap(base + off, base + end, layout, this.currentSecond, firstNum) - base;
    if (after !== off) this.applyRun(fast);
    return after;
  }

  /** PcapRunTaker for pcapng: enhanced packet blocks of the link type of the last record, as take() */
  takePcapng(buf: Buffer, off: number, end: number, section: PcapngInterfaces, firstNum: number): number {
    const fast = this.fast;
    if (fast === null || this.currentSecond < 0) return off;
    const base = fast.addressOf(buf, 0);
    if (base < 0) return off;
    if (section.version !== this.pcapngVersion) {
      fast.setInterfaces(section);
      this.pcapngVersion = section.version;
    }
    const after = fast.walkPcapng(base + off, base + end, section.le, this.lastLinkType, this.currentSecond, firstNum) - base;
    if (after !== off) this.applyRun(fast);
    return after;
  }

  /** what push() would have done for each record of the run the fast path just took (all in currentSecond) */
  private applyRun(fast: RtpFastPath): void {
    const n = fast.runRecords;
    const bytes = fast.runBytes;
    this.taken = n;
    this.recordsInRuns += n;
    this.packets += n;
    this.bytes += bytes;
    const nsec = fast.runLatestNsec;
    if (this.currentSecond > this.lastSec || (this.currentSecond === this.lastSec && nsec > this.lastNsec)) {
      this.lastSec = this.currentSecond;
      this.lastNsec = nsec;
    }
    this.link?.push(this.currentSecond, bytes);
  }

  push(rec: CaptureRecord): void {
    this.packets++;
    this.bytes += rec.origLen;
    if (rec.linkType !== this.lastLinkType) {
      this.lastLinkType = rec.linkType;
      this.linkTypes.add(rec.linkType);
    }
    this.clock(rec.tsSec, rec.tsNsec);
    this.interfaceClocks.push(rec.interfaceId, rec.tsSec, rec.tsNsec, rec.num);
    this.link?.push(rec.tsSec, rec.origLen);
    const p = this.pinfo;
    const fastAddr = this.fast === null ? -1 : this.fast.addressOf(rec.buf, rec.dataOffset);
    if (fastAddr >= 0 && this.fast!.measure(fastAddr, rec.capLen, rec.linkType, rec.tsSec, rec.tsNsec, rec.num)) return;
    const status = this.frames.decode(rec, p);
    if (status !== 'ok') {
      if (status === 'malformed' || status === 'truncated') this.errors.add(rec.num, status, decodeErrorText(this.frames.lastError));
      else if (status !== 'fragment-pending') this.census.add(this.frames.undecodedKind, this.frames.undecodedCode, rec.num);
      return;
    }
    if (p.encapsulation > 0) this.tunnelled++;
    if (p.proto === IPPROTO_UDP) {
      // SIP starts with a letter, RTP/RTCP with version bits 10: the two never claim the same datagram
      if (this.media.pushUdp(p, fastAddr, rec.capLen)) return;
      if (this.signalling.looksLikeSip(p) && this.signalling.pushUdp(p)) return;
      if (this.pushGatewayControl(p)) return;
      const control = mediaControlKind(p.buf, p.payloadStart, p.payloadEnd);
      if (control > 0) this.census.add(U_MEDIA_CONTROL, control, rec.num);
      else this.census.add(U_UDP, servicePort(p.srcPort, p.dstPort), rec.num);
    } else if (p.proto === IPPROTO_TCP) {
      this.census.add(U_TCP, servicePort(p.srcPort, p.dstPort), rec.num);
      this.signalling.pushTcp(p);
    } else {
      this.census.add(U_IP_PROTOCOL, p.proto, rec.num);
    }
  }

  /** what was seen and not analysed, named, most packets first (fragments that never became a datagram included) */
  undecoded(): UndecodedTraffic[] {
    const lone = this.frames.fragmentsNotReassembled;
    const list = this.census.toJSON(this.signalling.sipTcpPorts);
    if (lone > 0) list.push({ what: undecodedName(U_IP_FRAGMENTS, 0), packets: lone, firstPacket: 0 });
    return list.sort((a, b) => b.packets - a.packets);
  }

  /**
   * The datagram entry: one SIP, RTP or RTCP payload with its addresses, as a proxy socket, a HEP
   * collector or a probe receives it. It takes the same SIP/RTP/RTCP paths as frames (not the
   * WebAssembly fast path, which walks link-layer frames). False when an address is not IP.
   */
  pushDatagram(d: Datagram): boolean {
    const p = this.pinfo;
    if (!this.datagrams.decode(d, this.packets + 1, p)) {
      this.errors.add(this.packets + 1, 'malformed', `datagram from ${d.source}: "${d.src}" or "${d.dst}" is not an IP address`);
      return false;
    }
    this.packets++;
    this.bytes += p.frameLen;
    this.clock(d.tsSec, d.tsNsec);
    this.link?.push(d.tsSec, p.frameLen);
    if (d.transport === 'udp') {
      if (this.media.pushUdp(p)) return true;
      if (this.signalling.looksLikeSip(p) && this.signalling.pushUdp(p)) return true;
      this.pushGatewayControl(p);
    } else {
      this.signalling.pushStreamBytes(p, d.transport);
    }
    return true;
  }

  /** MGCP / MEGACO on their ports: the SDP they carry registers the connection's RTP (false: not theirs) */
  private pushGatewayControl(p: PacketInfo): boolean {
    if (!GATEWAY_PORTS.has(p.dstPort) && !GATEWAY_PORTS.has(p.srcPort)) return false;
    const media = this.gateway.push(p);
    if (media === null) return false;
    for (const m of media) this.media.expect(m);
    for (const owner of this.gateway.ended) this.media.forgetCall(owner);
    return true;
  }

  /**
   * A live source's clock: time is now epochMs (wall clock) even if no packet came. Each second
   * that passed ends (onSecond), quiet streams go stale and idle ones retire. Time never goes back.
   */
  tickTo(epochMs: number): void {
    const sec = Math.floor(epochMs / 1000);
    const nsec = Math.round((epochMs - sec * 1000) * 1e6);
    if (this.currentSecond < 0) {
      // no packet yet: seconds still count from here (a monitor's first minutes of silence)
      this.currentSecond = sec;
    }
    if (sec > this.lastSec || (sec === this.lastSec && nsec > this.lastNsec)) {
      this.lastSec = sec;
      this.lastNsec = nsec;
    }
    if (sec > this.currentSecond) this.tick(sec);
  }

  end(summary: CaptureSummary): AnalysisReport {
    this.signalling.flush(this.nowEpochMs());
    this.media.flush();
    if (this.currentSecond >= 0) this.bus.second(this.currentSecond, this.view);
    const report = this.buildFinal(summary);
    this.emitFinalFindings(report);
    this.bus.end(report, this.view);
    return report;
  }

  /** end of a live source (no file): the report of everything it delivered */
  /**
   * A live source that measures delay itself (the proxy's segments) gives each stream its figure
   * here; applied to the streams of every report (final, /api/report) before they are graded, so
   * the verdict, summary, mouth-to-ear and MOS rest on it.
   */
  refineStreams(fn: StreamRefiner): void {
    this.refine = fn;
  }

  finish(label: string): AnalysisReport {
    return this.end({ file: label, format: 'live', records: this.packets, bytes: this.bytes, linkTypes: [...this.linkTypes] });
  }

  /**
   * Every finding reaches onFinding (and voipready_findings_total) once: raised ones when raised,
   * those of retired streams and calls when they retired, the rest here.
   */
  private emitFinalFindings(report: AnalysisReport): void {
    const emitted = new Set<Finding>([...this.bus.raisedFindings(), ...this.bus.findings()]);
    for (const f of report.findings) {
      if (emitted.has(f)) continue;
      if (f.streamId !== undefined ? this.history.hasStream(f.streamId) : f.callId !== undefined && this.history.hasCall(f.callId)) continue;
      this.bus.finding(f);
    }
  }

  private clock(tsSec: number, tsNsec: number): void {
    if (this.firstSec < 0) {
      this.firstSec = tsSec;
      this.firstNsec = tsNsec;
      this.media.setTimeOrigin(tsSec, tsNsec);
      if (this.currentSecond < 0) this.currentSecond = tsSec;
    }
    if (tsSec > this.lastSec || (tsSec === this.lastSec && tsNsec > this.lastNsec)) {
      this.lastSec = tsSec;
      this.lastNsec = tsNsec;
    }
    if (tsSec > this.currentSecond) this.tick(tsSec);
  }

  /** a later second began: tell listeners about each finished second (bounded across gaps), then expire and retire */
  private tick(sec: number): void {
    const from = Math.max(this.currentSecond, sec - MAX_SECOND_FILL);
    // counted, not `s++` up to sec: past 2^53 s (a corrupt pcapng timestamp) s + 1 === s, and it never ended
    const n = Math.min(sec - from, MAX_SECOND_FILL);
    for (let i = 0; i < n; i++) this.bus.second(from + i, this.view);
    this.currentSecond = sec;
    this.live.expireStale(sec);
    this.retirer.sweep(sec * 1000);
  }

  private nowEpochMs(): number {
    return this.lastSec * 1000 + this.lastNsec / 1e6;
  }

  private currentReport(fromMs?: number): AnalysisReport {
    return this.buildFinal({ file: this.file, format: 'unknown', records: this.packets, bytes: this.bytes, linkTypes: [...this.linkTypes] }, fromMs);
  }

  /**
   * A registration's finding is one object for the whole run (built again for each report, the same
   * code and binding): remembered by Call-ID and code so that onFinding sees it once.
   */
  private registrationFindings(): Finding[] {
    const out: Finding[] = [];
    for (const f of this.signalling.registrations.findings()) {
      const key = `${f.code}\u0000${f.callId ?? ''}`;
      let kept = this.regFindings.get(key);
      if (kept === undefined) {
        if (this.regFindings.size >= 10_000) this.regFindings.delete(this.regFindings.keys().next().value!);
        kept = f;
        this.regFindings.set(key, f);
      } else {
        Object.assign(kept, f);
      }
      out.push(kept);
    }
    return out;
  }

  /**
   * The report; with fromMs, of what happened since then only (`/api/report?hours=N` of a monitor
   * running for weeks): the streams with a packet and the calls up since fromMs, the findings about
   * them and those about no stream or call, graded again on their own. Older ones are counted in
   * `window`, not listed.
   */
  private buildFinal(summary: CaptureSummary, fromMs?: number): AnalysisReport {
    let findings: Finding[] = [...this.errors.findings(), ...this.bus.findings(), ...this.bus.raisedFindings(), ...this.registrationFindings()];
    if (summary.error !== undefined) findings.push(inputErrorFinding(summary.error, this.packets));
    const apart = this.interfaceClocks.apart();
    if (apart !== null) findings.push(clocksApartFinding(apart));
    const hasTime = this.firstSec >= 0;
    const h = this.history;
    // retired streams first in retirement order, then the held ones: back in order of first packet (s1, s2, ...)
    const streams = [...h.listedStreams(), ...this.media.reports()].sort((a, b) => idNumber(a.id) - idNumber(b.id));
    const byCall = new Map<string, string[]>();
    for (const st of streams) {
      if (st.callId === null) continue;
      const list = byCall.get(st.callId);
      if (list) list.push(st.id);
      else byCall.set(st.callId, [st.id]);
    }
    const byId = new Map(streams.map((st) => [st.id, st]));
    const held = this.signalling.callReports().map((c) => {
      const ids = byCall.get(c.callId) ?? [];
      return withMediaEnd({ ...c, streams: ids }, ids.map((id) => byId.get(id)!));
    });
    let calls = [...h.listedCalls(), ...held].sort((a, b) => a.firstPacket - b.firstPacket);
    let kept = streams;
    let window: ReportWindow | undefined;
    if (fromMs !== undefined) {
      const w = windowOf(streams, calls, findings, fromMs);
      window = { from: isoTime(fromMs), to: isoTime(this.nowEpochMs()), streamsBefore: streams.length - w.streams.length, callsBefore: calls.length - w.calls.length };
      kept = w.streams;
      calls = w.calls;
      findings = w.findings;
    }
    const built = buildReport({
      settings: this.settings,
      input: {
        file: this.file,
        format: summary.format,
        packets: this.packets,
        bytes: this.bytes,
        durationSeconds: apart !== null ? apart.capturedSeconds : hasTime ? Math.max(0, this.lastSec - this.firstSec + (this.lastNsec - this.firstNsec) / 1e9) : 0,
        startTime: hasTime ? isoTime(this.firstSec * 1000 + this.firstNsec / 1e6) : null,
        endTime: hasTime ? isoTime(this.nowEpochMs()) : null,
        linkTypes: [...this.linkTypes].map(linkTypeName),
        decodeErrors: this.errors.count + this.signalling.decodeErrors + this.media.rtcpErrors,
        undecoded: this.undecoded(),
        tunnelled: this.tunnelled,
        error: summary.error === undefined ? null : { code: summary.error.code, message: summary.error.message },
      },
      streams: this.refine === null ? kept : kept.map(this.refine),
      calls,
      link: this.link?.toJSON() ?? null,
      findings,
      // a window does not carry the run's unlisted (older) streams and calls into its verdict
      retention: window === undefined ? h.summary() : NO_RETENTION,
      registrations: this.signalling.registrations.toJSON(),
    });
    return window === undefined ? built : { ...built, window };
  }
}

/** the streams with a packet since fromMs, the calls up since then, and the findings that concern them or nothing in particular */
function windowOf<S extends { id: string; startTime: string | null; durationSeconds: number; callId: string | null }, C extends { callId: string; startTime: string; durationSeconds: number | null; state: string }>(
  streams: S[], calls: C[], findings: Finding[], fromMs: number,
): { streams: S[]; calls: C[]; findings: Finding[] } {
  const endOf = (start: string | null, seconds: number | null): number => (start === null ? -Infinity : Date.parse(start) + (seconds ?? 0) * 1000);
  const up = new Set(['setup', 'answered']);
  const s = streams.filter((x) => endOf(x.startTime, x.durationSeconds) >= fromMs);
  const c = calls.filter((x) => up.has(x.state) || endOf(x.startTime, x.durationSeconds) >= fromMs);
  const sIds = new Set(s.map((x) => x.id));
  const cIds = new Set(c.map((x) => x.callId));
  const f = findings.filter((x) => (x.streamId == null && x.callId == null) || (x.streamId != null && sIds.has(x.streamId)) || (x.streamId == null && x.callId != null && cIds.has(x.callId)));
  return { streams: s, calls: c, findings: f };
}

/** interfaces whose clocks lie apart: the duration shown is what they captured, and why */
function clocksApartFinding(a: ClocksApart): Finding {
  const days = a.gapSeconds / 86400;
  const gap = days >= 2 ? `${Math.round(days)} days` : `${Math.round(a.gapSeconds / 3600)} hours`;
  const spans = a.spans.map((s) => `interface ${s.interfaceId}: ${isoTime(s.first * 1000)} to ${isoTime(s.last * 1000)} (from packet ${s.firstPacket})`);
  const later = [...a.spans].sort((x, y) => y.first - x.first)[0]!;
  return {
    severity: 'warn', code: 'CAPTURE_CLOCKS_APART', packet: later.firstPacket, measured: Math.round(a.gapSeconds), unit: 's',
    message: `the capture's interfaces were captured ${gap} apart (a merge of captures from different times, or an interface with a wrong clock): times across interfaces cannot be compared, and the duration shown (${a.capturedSeconds.toFixed(1)} s) is what the interfaces captured, not first to last packet`,
    evidence: spans,
  };
}

/** "frame ends inside the GRE header (TUNNEL_HEADER at byte 34 of the frame)": which rule, where */
function decodeErrorText(e: { code: string; offset: number; message: string }): string {
  return `${e.message} (${e.code} at byte ${e.offset} of the frame)`;
}

/** STUN 1, TURN ChannelData 2, DTLS 3, ZRTP 4 (protocol-names.ts U_MEDIA_CONTROL), else 0 */
function mediaControlKind(buf: Buffer, start: number, end: number): number {
  if (isStun(buf, start, end)) return 1;
  if (isTurnChannelData(buf, start, end)) return 2;
  if (isDtls(buf, start, end)) return 3;
  return isZrtp(buf, start, end) ? 4 : 0;
}

/** "s12" -> 12 */
function idNumber(id: string): number {
  return Number(id.slice(1));
}

/** the error that stopped reading, as a finding: truncated and corrupt files keep what came before */
function inputErrorFinding(err: NonNullable<CaptureSummary['error']>, packets: number): Finding {
  const code = err.code === 'E_CAPTURE_TRUNCATED' ? 'CAPTURE_TRUNCATED' : err.code === 'E_CAPTURE_CORRUPT' ? 'CAPTURE_CORRUPT' : 'CAPTURE_UNREADABLE';
  const tail = packets > 0 ? `: the analysis covers the ${packets} packets before it` : '';
  return { severity: 'warn', code, message: `${err.message}${tail}`, ...(err.place.packet !== undefined ? { packet: err.place.packet } : {}) };
}
