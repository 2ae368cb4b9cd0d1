/**
 * The live terminal summary (`proxy`, `monitor` on a TTY): one screen, redrawn each second, that an
 * engineer watches during pilot calls: how many calls are up, the run's verdicts so far, and for
 * each active call its state, duration and, per direction, codec, loss, jitter, DSCP, MOS and the
 * verdict. Pure: a LiveView in, lines out (the redrawing is src/cli/live-screen.ts).
 * Loss is never shown negative: duplicates make expected - received negative, and that is 0 lost.
 */
import type { LiveCall, LiveStream, LiveView } from '../pipeline/events.js';

export interface LiveSummaryOptions {
  /** what runs ("proxy 0.0.0.0:5060 -> pbx:5060") */
  title: string;
  /** when the run started, ms since the epoch (for the uptime) */
  startedMs: number;
  /** terminal rows: calls beyond what fits are summed up in one line */
  rows: number;
}

const COLUMNS = ['CALL', 'STATE', 'DUR', 'DIRECTION', 'CODEC', 'LOSS', 'JITTER', 'DSCP', 'MOS', 'VERDICT'];
const WIDTHS = [22, 9, 6, 45, 6, 6, 8, 6, 4, 7];

export function renderLiveSummary(view: LiveView, opts: LiveSummaryOptions): string[] {
  const now = view.nowEpochMs();
  const calls = view.activeCalls();
  const v = view.streamVerdicts();
  const lines = [
    `${opts.title} | ${new Date(now).toISOString().slice(11, 19)} UTC | up ${clock(now - opts.startedMs)} | ${calls.length} call(s) active | streams so far: ${v.pass} pass, ${v.warn} warn, ${v.fail} fail`,
    row(COLUMNS),
  ];
  const byCall = new Map<string, LiveStream[]>();
  for (const s of view.activeStreams()) {
    if (s.callId === null) continue;
    const list = byCall.get(s.callId) ?? [];
    list.push(s);
    byCall.set(s.callId, list);
  }
  // the header, the calls, the "more" line and the cursor's line fit the terminal
  const room = Math.max(3, opts.rows - 2);
  let shown = 0;
  const ordered = [...calls].sort((a, b) => a.startEpochMs - b.startEpochMs);
  for (const c of ordered) {
    const streams = byCall.get(c.callId) ?? [];
    const need = Math.max(1, streams.length);
    if (lines.length + need > room) break;
    lines.push(...callLines(c, streams, now));
    shown++;
  }
  if (shown < ordered.length) lines.push(`... and ${ordered.length - shown} more call(s) (see /api or the report)`);
  if (calls.length === 0) lines.push('(no call up: waiting for INVITEs)');
  return lines;
}

function callLines(c: LiveCall, streams: readonly LiveStream[], now: number): string[] {
  const head = [shorten(c.callId, WIDTHS[0]!), c.state, clock(now - c.startEpochMs)];
  if (streams.length === 0) return [row([...head, '(no media yet)', '', '', '', '', '', ''])];
  return streams.map((s, i) => row([...(i === 0 ? head : ['', '', '']), `${s.src} -> ${s.dst}`, s.codec, lossText(s), `${s.jitterMs.toFixed(1)}ms`,
    s.dscpMismatchPackets > 0 ? `${s.dscpMismatchPackets} off` : 'ok', s.mos == null ? '-' : s.mos.toFixed(1), s.verdict]));
}

/** lost / expected in %, never below 0 (duplicates) */
function lossText(s: LiveStream): string {
  if (s.expected <= 0) return '-';
  return `${((Math.max(0, s.lost) / s.expected) * 100).toFixed(1)}%`;
}

function row(cells: readonly string[]): string {
  return cells.map((c, i) => c.padEnd(WIDTHS[i] ?? 0)).join(' ').trimEnd();
}

function shorten(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}~`;
}

/** ms as [h:]mm:ss */
function clock(ms: number): string {
  const t = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(t / 3600);
  const mm = String(Math.floor((t % 3600) / 60)).padStart(2, '0');
  const ss = String(t % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}
