/**
 * Number and label formatting for the report. The display precision is part of the contract with
 * the browser test: a number shown in a table is the JSON value rounded to these decimals
 * (ms to 3 decimals like tshark's rtp,streams; percentages to 2).
 */
import type { Verdict } from '../../model/report.js';

export const MS_DECIMALS = 3;
export const PERCENT_DECIMALS = 2;

export function fixed(v: number, decimals: number): string {
  if (!Number.isFinite(v)) return String(v);
  // avoid "-0.000" for tiny negatives
  const s = v.toFixed(decimals);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

export function msText(v: number | null): string {
  return v === null ? '–' : fixed(v, MS_DECIMALS);
}

export function percentText(v: number | null): string {
  return v === null ? '–' : fixed(v, PERCENT_DECIMALS);
}

/** durations: "12.3 s", "4 min 05 s", "1 h 02 min" */
export function durationText(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '–';
  if (seconds < 60) return `${fixed(seconds, 1)} s`;
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  return `${m} min ${String(s).padStart(2, '0')} s`;
}

export function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${fixed(n / 1024, 1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${fixed(n / (1024 * 1024), 1)} MiB`;
  return `${fixed(n / (1024 * 1024 * 1024), 2)} GiB`;
}

/** thousands separated with a thin space, readable in any locale */
export function countText(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
}

const DSCP_NAMES: Record<number, string> = {
  0: 'BE', 8: 'CS1', 10: 'AF11', 12: 'AF12', 14: 'AF13', 16: 'CS2', 18: 'AF21', 20: 'AF22', 22: 'AF23',
  24: 'CS3', 26: 'AF31', 28: 'AF32', 30: 'AF33', 32: 'CS4', 34: 'AF41', 36: 'AF42', 38: 'AF43',
  40: 'CS5', 44: 'VA', 46: 'EF', 48: 'CS6', 56: 'CS7',
};

/** "EF (46)", "BE (0)", "13" for values without a name */
export function dscpName(value: number): string {
  const name = DSCP_NAMES[value];
  return name === undefined ? String(value) : `${name} (${value})`;
}

export const VERDICT_ORDER: Record<Verdict | 'n/a', number> = { fail: 0, warn: 1, pass: 2, 'n/a': 3 };

export function verdictWord(v: Verdict | 'n/a'): string {
  return v === 'n/a' ? 'n/a' : v.toUpperCase();
}

/**
 * the capture's file name without the local directories: the report goes to a customer, and
 * `/home/jane/tmp/acme/` is neither theirs nor useful ("(stdin)" stays as it is)
 */
export function fileName(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut < 0 ? path : path.slice(cut + 1);
}
