/**
 * Decode once, many listeners. A listener that throws is isolated: the error becomes one finding
 * (per listener and hook) and the analysis goes on.
 */
import type { AnalysisReport, Finding } from '../model/report.js';
import type { AnalysisListener, LiveCall, LiveStream, LiveView } from './events.js';

export class EventBus {
  private readonly listeners: AnalysisListener[] = [];
  private readonly failures: Finding[] = [];
  private readonly failed = new Set<string>();

  add(l: AnalysisListener): void {
    this.listeners.push(l);
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

  finding(f: Finding): void {
    for (const l of this.listeners) if (l.onFinding) this.guard(l, 'onFinding', () => l.onFinding!(f));
  }

  second(epochSec: number, view: LiveView): void {
    for (const l of this.listeners) if (l.onSecond) this.guard(l, 'onSecond', () => l.onSecond!(epochSec, view));
  }

  end(report: AnalysisReport, view: LiveView): void {
    for (const l of this.listeners) if (l.onEnd) this.guard(l, 'onEnd', () => l.onEnd!(report, view));
  }

  /** listener failures, as findings for the report */
  findings(): Finding[] {
    return [...this.failures];
  }

  private guard(l: AnalysisListener, hook: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      const key = `${this.listeners.indexOf(l)}:${hook}`;
      if (this.failed.has(key)) return;
      this.failed.add(key);
      this.failures.push({ severity: 'warn', code: 'LISTENER_FAILED', message: `an output (listener ${this.listeners.indexOf(l) + 1}, ${hook}) failed and was skipped: ${(err as Error).message}` });
    }
  }
}
