/**
 * Test-only: run tshark 4.0 `-z rtp,streams` on a capture and parse its table. Tests skip when tshark is
 * not installed (`hasTshark`).
 */
import { execFileSync } from 'node:child_process';

function probe(): boolean {
  try {
    execFileSync('tshark', ['-v'], { stdio: 'ignore', timeout: 10000 });
    return true;
  } catch {
    return false;
  }
}

export const hasTshark = probe();

export interface TsharkStream {
  src: string;
  dst: string;
  ssrc: number;
  payload: string;
  packets: number;
  lost: number;
  minDeltaMs: number;
  meanDeltaMs: number;
  maxDeltaMs: number;
  minJitterMs: number;
  meanJitterMs: number;
  maxJitterMs: number;
}

/** heuristic RTP on (as for captures without signalling) unless told otherwise */
export function tsharkRtpStreams(file: string, heuristic = true): TsharkStream[] {
  const args = ['-n', '-r', file, '-q', '-z', 'rtp,streams'];
  if (heuristic) args.unshift('-o', 'rtp.heuristic_rtp:TRUE');
  const out = execFileSync('tshark', args, { encoding: 'utf8', timeout: 60000 });
  const streams: TsharkStream[] = [];
  const re =
    /^\s*[\d.]+\s+[\d.]+\s+(\S+)\s+(\d+)\s+(\S+)\s+(\d+)\s+0x([0-9A-Fa-f]+)\s+(.+?)\s+(\d+)\s+(-?\d+) \([^)]*\)\s+([\d.-]+)\s+([\d.-]+)\s+([\d.-]+)\s+([\d.-]+)\s+([\d.-]+)\s+([\d.-]+)/;
  for (const line of out.split('\n')) {
    const m = re.exec(line);
    if (!m) continue;
    const ep = (a: string, p: string): string => (a.includes(':') ? `[${a}]:${p}` : `${a}:${p}`);
    streams.push({
      src: ep(m[1]!, m[2]!),
      dst: ep(m[3]!, m[4]!),
      ssrc: parseInt(m[5]!, 16),
      payload: m[6]!,
      packets: Number(m[7]),
      lost: Number(m[8]),
      minDeltaMs: Number(m[9]),
      meanDeltaMs: Number(m[10]),
      maxDeltaMs: Number(m[11]),
      minJitterMs: Number(m[12]),
      meanJitterMs: Number(m[13]),
      maxJitterMs: Number(m[14]),
    });
  }
  return streams;
}
