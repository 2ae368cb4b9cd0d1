/**
 * `voipready alg-diff inside.pcap outside.pcap`: the same SIP captured on both sides of a firewall,
 * compared message by message (src/detect/alg/two-point.ts), and the box fingerprinted from what it
 * rewrote (src/detect/alg/fingerprint.ts). Exit 0: no rewriting inside SIP/SDP; 1: rewriting found.
 */
import type { Command } from 'commander';
import { loadSettings } from '../config/load-settings.js';
import { ERROR_CATALOGUE, VoipreadyError, type ErrorCode } from '../errors.js';
import { parseSipMessage } from '../decode/sip/parse.js';
import { fingerprint, type Fingerprint } from '../detect/alg/fingerprint.js';
import { compareCaptures, type CapturedSip, type TwoPointResult } from '../detect/alg/two-point.js';
import { analyzeSource } from '../pipeline/analyze-source.js';
import { exitCodeOf } from './command.js';

interface AlgDiffOptions {
  json?: boolean;
}

export interface AlgDiffResult extends TwoPointResult {
  inside: string;
  outside: string;
  rewritten: boolean;
  fingerprint: Fingerprint;
}

export function register(program: Command): void {
  program
    .command('alg-diff')
    .description('compare SIP captured inside and outside a firewall: which header/SDP lines the box rewrote, and which kind of box it is')
    .argument('<inside>', 'capture taken on the inside (LAN) of the firewall')
    .argument('<outside>', 'capture taken on the outside (WAN) of the firewall')
    .option('--json', 'print the comparison as one JSON object')
    .addHelpText('after', '\nExit codes: 0 no rewriting inside SIP/SDP (NAT of the IP header is expected), 1 rewriting found, 4 capture input.')
    .action(exitCodeOf(algDiffCommand));
}

/** every SIP message of a capture, copied and parsed again (the pipeline's views live for one callback) */
export async function readSip(file: string): Promise<CapturedSip[]> {
  const out: CapturedSip[] = [];
  const report = await analyzeSource(file, {
    settings: loadSettings(),
    detectors: false,
    listeners: [{
      onSip: (e) => {
        const bytes = Buffer.from(e.bytes);
        const r = parseSipMessage(bytes, 0, bytes.length);
        if (!r.ok) return;
        out.push({ packet: e.packet, epochMs: e.epochMs, src: e.src, srcPort: e.srcPort, dst: e.dst, dstPort: e.dstPort, transport: e.transport, message: r.message, bytes });
      },
    }],
  });
  // a capture that cannot be read at all is an input error (exit 4), not "no rewriting"
  const err = report.input.error;
  if (err !== null && report.input.packets === 0) {
    throw new VoipreadyError(Object.hasOwn(ERROR_CATALOGUE, err.code) ? err.code as ErrorCode : 'E_FILE_OPEN', err.message);
  }
  return out;
}

export async function algDiff(inside: string, outside: string): Promise<AlgDiffResult> {
  const r = compareCaptures(await readSip(inside), await readSip(outside));
  const fp = fingerprint(r.matched);
  return { inside, outside, ...r, rewritten: r.matched.some((d) => d.changes.length > 0), fingerprint: fp };
}

export function renderAlgDiff(r: AlgDiffResult): string {
  const lines: string[] = [`alg-diff: ${r.inside} (inside) vs ${r.outside} (outside): ${r.matched.length} SIP messages matched`];
  if (r.insideOnly.length + r.outsideOnly.length > 0) {
    lines.push(`not matched: inside packets ${r.insideOnly.join(', ') || 'none'}; outside packets ${r.outsideOnly.join(', ') || 'none'}`);
  }
  for (const d of r.matched) {
    const nat = d.ipNat ? `IP header NATed (expected): ${d.ipInside} inside, ${d.ipOutside} outside` : `IP header unchanged: ${d.ipInside}`;
    lines.push('', `${d.direction} ${d.what} (Call-ID ${d.callId ?? '-'}): ${d.changes.length === 0 ? 'SIP/SDP unchanged' : `${d.changes.length} line(s) rewritten`}; ${nat}`);
    if (d.contentLengthOk === false) lines.push('  Content-Length does not match the body after the box');
    if (d.diff !== '') lines.push(d.diff);
  }
  lines.push('', r.rewritten ? `SIP/SDP rewritten: ${r.fingerprint.verdict}` : 'no rewriting inside SIP/SDP (only the IP header, if anything, was translated)');
  for (const e of r.fingerprint.evidence) lines.push(`  ${e}`);
  return `${lines.join('\n')}\n`;
}

async function algDiffCommand(inside: string, outside: string, opts: AlgDiffOptions): Promise<number> {
  const r = await algDiff(inside, outside);
  process.stdout.write(opts.json === true ? `${JSON.stringify(r, (k, v: unknown) => (k === 'message' || k === 'bytes' ? undefined : v), 2)}\n` : renderAlgDiff(r));
  return r.rewritten ? 1 : 0;
}
