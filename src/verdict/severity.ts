import type { Severity, Verdict } from '../model/report.js';

const RANK: Record<Verdict, number> = { pass: 0, warn: 1, fail: 2 };

export function worst(a: Verdict, b: Verdict): Verdict {
  return RANK[a] >= RANK[b] ? a : b;
}

export function verdictOf(severity: Severity): Verdict {
  return severity === 'info' ? 'pass' : severity;
}

export function rank(v: Verdict): number {
  return RANK[v];
}

/** fail above the limit, warn above warnFraction of it, pass otherwise */
export function grade(value: number, limit: number, warnFraction: number): Verdict {
  if (value > limit) return 'fail';
  if (value > limit * warnFraction) return 'warn';
  return 'pass';
}
