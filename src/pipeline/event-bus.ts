/**
 * Decode once, many listeners. A listener that throws is isolated: the error becomes one finding
 * (per listener and hook) and the analysis goes on.
 *
 * The bus also holds the findings listeners raise (bounded: the first MAX_RAISED in full, the rest
 * counted per code) and passes every finding on to onFinding exactly once.
 */
import type { AnalysisReport, Finding } from '../model/report.js';
import type { AnalysisListener, ListenerContext, LiveCall, LiveStream, LiveView, RtcpEvent, SipEvent } from './events.js';

/** raised findings kept in full for the report; more are counted by code */
const MAX_RAISED = 1000;

export class EventBus {
  private readonly listeners: AnalysisListener[] = [];
  private readonly failures: Finding[] = [];
  private readonly failed = new Set<string>();
  private readonly raised: Finding[] = [];
  private readonly overflow = new Map<string, { severity: Finding['severity']; count: number }>();
  /** true when some listener wants per-message events (the pipeline builds them only then) */
  wantsSip = false;
  wantsRtcp = false;
  private view: LiveView | null = null;

  add(l: AnalysisListener): void {
    this.listeners.push(l);
    if (l.onSip) this.wantsSip = true;
    if (l.onRtcp) this.wantsRtcp = true;
    if (this.view !== null) this.attach(l, this.view);
  }

  /** the view listeners get in onAttach (those added before get it now) */
  setView(view: LiveView): void {
    this.view = view;
    for (const l of this.listeners) this.attach(l, view);
  }

  get size(): number {
    return this.listeners.length;
  }

  stream(s: LiveStream, event: 'start' | 'end'): void {
    for (const l of this.listeners) if (l.onStream) this.guard(l, 'onStream', () => l.onStream!(s, event));
  }

  call(c: LiveCall, event: 'start' | 'answered' | 'end'): void {
    for (const l of this.listeners) if (l.onCall) this.guard(l, 'onCall', () => l.onCall!(c, event));
  }

  sip(e: SipEvent): void {
    for (const l of this.listeners) if (l.onSip) this.guard(l, 'onSip', () => l.onSip!(e));
  }

  rtcp(e: RtcpEvent): void {
    for (const l of this.listeners) if (l.onRtcp) this.guard(l, 'onRtcp', () => l.onRtcp!(e));
  }

  /** a finding raised by a listener (or a detector): kept for the report and passed on */
  raise(f: Finding): void {
    if (this.raised.length < MAX_RAISED) this.raised.push(f);
    else {
      const o = this.overflow.get(f.code);
      if (o === undefined) this.overflow.set(f.code, { severity: f.severity, count: 1 });
      else o.count++;
    }
    this.finding(f);
  }

  /** pass a finding to every onFinding (each finding of the run goes through here once) */
  finding(f: Finding): void {
    for (const l of this.listeners) if (l.onFinding) this.guard(l, 'onFinding', () => l.onFinding!(f));
  }

  second(epochSec: number, view: LiveView): void {
    for (const l of this.listeners) if (l.onSecond) this.guard(l, 'onSecond', () => l.onSecond!(epochSec, view));
  }

  end(report: AnalysisReport, view: LiveView): void {
    for (const l of this.listeners) if (l.onEnd) this.guard(l, 'onEnd', () => l.onEnd!(report, view));
  }

  /** findings raised by listeners (and a summary per code of those beyond the bound) */
  raisedFindings(): Finding[] {
    const out = [...this.raised];
    for (const [code, o] of this.overflow) {
      out.push({ severity: o.severity, code, measured: o.count, message: `${o.count} more ${code} finding(s) were raised; only the first ${MAX_RAISED} findings raised by detectors are listed` });
    }
    return out;
  }

  /** listener failures, as findings for the report */
  findings(): Finding[] {
    return [...this.failures];
  }

  private attach(l: AnalysisListener, view: LiveView): void {
    if (!l.onAttach) return;
    const ctx: ListenerContext = { view, raise: (f) => this.raise(f) };
    this.guard(l, 'onAttach', () => l.onAttach!(ctx));
  }

  private guard(l: AnalysisListener, hook: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      const key = `${this.listeners.indexOf(l)}:${hook}`;
      if (this.failed.has(key)) return;
      this.failed.add(key);
      const f: Finding = { severity: 'warn', code: 'LISTENER_FAILED', message: `an output (listener ${this.listeners.indexOf(l) + 1}, ${hook}) failed and was skipped: ${(err as Error).message}` };
      this.failures.push(f);
      // the other listeners (the metrics among them) still hear of it; not the failing hook itself again
      if (hook !== 'onFinding') this.finding(f);
    }
  }
}
