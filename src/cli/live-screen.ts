/**
 * Redraws the live summary (src/outputs/live-summary.ts) once a second on a terminal, and does
 * nothing at all when the stream is not a TTY (a pipe, a file, systemd's journal): there the log
 * lines and the final report are what is wanted. The screen is drawn in place (cursor home, clear
 * to the end), so the terminal's scrollback keeps what was there before.
 */
import type { LiveView } from '../pipeline/events.js';
import { renderLiveSummary } from '../outputs/live-summary.js';

export interface LiveScreenTarget {
  isTTY?: boolean;
  rows?: number;
  columns?: number;
  write(s: string): unknown;
}

export interface LiveScreen {
  stop(): void;
}

export function startLiveScreen(view: () => LiveView, title: string, out: LiveScreenTarget = process.stderr, intervalMs = 1000): LiveScreen {
  if (out.isTTY !== true) return { stop: () => undefined };
  const startedMs = Date.now();
  const draw = (): void => {
    const lines = renderLiveSummary(view(), { title, startedMs, rows: out.rows || 24 });
    // a pseudo-terminal without a size says 0 columns and rows
    const width = out.columns || 160;
    out.write(`\x1b[H\x1b[J${lines.map((l) => l.slice(0, width)).join('\n')}\n`);
  };
  const timer = setInterval(draw, intervalMs);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      // leave the last screen and put the cursor below it: the final report follows
      out.write('\n');
    },
  };
}
