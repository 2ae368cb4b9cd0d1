/**
 * The HTML report's registrations table and "Not analysed" section show the model's values (the same
 * report the JSON has), and the calls section says when the SIP is registrations only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCaptureFile } from '../../../../src/capture/file-source.js';
import { loadSettings } from '../../../../src/config/load-settings.js';
import { renderHtmlReport } from '../../../../src/outputs/html/render.js';
import { Analyzer } from '../../../../src/pipeline/analyzer.js';
import { defineScenario, generateCapture } from '../../../../src/synth/index.js';

const dir = mkdtempSync(join(tmpdir(), 'voipready-html-traffic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function reportOf(name: string, input: Parameters<typeof defineScenario>[0]) {
  const file = join(dir, `${name}.pcap`);
  generateCapture(defineScenario({ name, ...input }), file, 'pcap');
  const a = new Analyzer({ file, settings: loadSettings(), fastPath: false });
  return a.end(readCaptureFile(file, (r) => a.push(r)));
}

/** text of each cell of the table's body rows */
function rows(html: string, id: string): string[][] {
  const table = new RegExp(`<table id="${id}"[\\s\\S]*?</table>`).exec(html)?.[0] ?? '';
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(table)?.[1] ?? '';
  return [...body.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((m) => [...m[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => c[1]!));
}

describe('HTML: registrations and what was not analysed', () => {
  it('lists each registration with its outcome, and the background as not analysed', () => {
    const r = reportOf('regs', {
      seed: 9, groups: [{ count: 0 }], background: { packets: 6, intervalMs: 30 },
      registrations: [{ user: 'alice', answers: [401, 200], expires: 300 }, { user: 'bob', atMs: 300, answers: [401, 401, 401] }],
    });
    const html = renderHtmlReport(r);
    expect(rows(html, 'registrations-table').map((c) => [c[0], c[4], c[5], c[6], c[7], c[8]])).toEqual(
      r.registrations!.map((g) => [g.aor, g.outcome, String(g.finalStatus), String(g.requests), String(g.challenges), g.expiresSeconds === null ? '-' : `${g.expiresSeconds} s`]));
    expect(r.registrations!.map((g) => g.outcome)).toEqual(['registered', 'auth-failed']);
    expect(html).toContain('No call: the SIP signalling in this capture is 2 registration(s)');
    expect(html).not.toContain('No SIP signalling');
    expect(rows(html, 'undecoded-table')).toEqual([['UDP port 53 (DNS)', '3', String(r.input.undecoded![0]!.firstPacket)], ['TCP port 80 (HTTP)', '3', String(r.input.undecoded![1]!.firstPacket)]]);
  });

  it('a mirrored capture says how many packets were unwrapped', () => {
    const r = reportOf('gre', { seed: 10, mirror: { kind: 'gre', session: 1 }, groups: [{ durationMs: 1000 }] });
    expect(r.input.tunnelled).toBe(r.input.packets);
    expect(renderHtmlReport(r)).toContain(`${r.input.packets.toLocaleString('en-US')} packets arrived inside tunnels`);
  });
});
