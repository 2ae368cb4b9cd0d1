/**
 * One grader, two readers: the live verdict of every stream (analyzer.view.streams(), what
 * `/metrics` counts as voipready_streams{verdict}) must equal its report verdict (`--json`), at the
 * end of the capture and at every capture second on the way. Every fixture in fixtures/captures/ and,
 * when ../shared/pcaps/public exists (it is not in a user's clone: skipped, saying so), every public
 * capture, each under several configs: the default and starface profiles, rtpDscp: [] (any DSCP
 * accepted), a 2 ms jitter limit and a strict one (limits lowered so that streams warn and fail).
 * The /metrics side is the real registry of src/outputs/prometheus/metrics.ts, scraped as text.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { readCaptureFile } from '../../src/capture/file-source.js';
import type { AnalysisReport, Verdict } from '../../src/model/report.js';
import { createMetrics } from '../../src/outputs/prometheus/metrics.js';
import { Analyzer } from '../../src/pipeline/analyzer.js';
import type { LiveStream, LiveView } from '../../src/pipeline/events.js';
import { loadSettings } from '../../src/config/load-settings.js';
import type { Settings } from '../../src/config/settings.js';
import { ROOT } from '../helpers/cli.js';
import { parseExposition } from '../helpers/prometheus.js';

const FIXTURES = join(ROOT, 'fixtures', 'captures');
const PUBLIC = join(ROOT, '..', 'shared', 'pcaps', 'public');
const havePublic = existsSync(PUBLIC);
const captureFiles = (dir: string): string[] => readdirSync(dir).filter((f) => /\.pcap(ng)?$/.test(f)).sort().map((f) => join(dir, f));

const dir = mkdtempSync(join(tmpdir(), 'voipready-grader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function withConfig(name: string, thresholds: Record<string, unknown>): Settings {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ thresholds }));
  return loadSettings({ config: file });
}

const CONFIGS: Record<string, Settings> = {
  default: loadSettings({}),
  starface: loadSettings({ profile: 'starface' }),
  'rtpDscp []': withConfig('any-dscp', { rtpDscp: [] }),
  'jitter 2 ms': withConfig('jitter-2ms', { jitterMs: 2 }),
  strict: withConfig('strict', { jitterMs: 1, lossPercent: 1, warnFraction: 0.5, rtpDscp: [0, 46], rtpPorts: { min: 16384, max: 32767 } }),
};

const VERDICTS = ['pass', 'warn', 'fail'] as const;

interface Run {
  report: AnalysisReport;
  live: Record<string, Verdict>;
  /** voipready_streams{verdict} on /metrics after the end */
  scraped: Record<Verdict, number | undefined>;
  dscpMismatchTotal: number;
  /** capture seconds at which live and report verdicts were compared, and where they differed */
  secondsCompared: number;
  secondsDiffering: string[];
}

function verdictsOf(streams: Iterable<{ id: string; verdict: Verdict }>): Record<string, Verdict> {
  return Object.fromEntries([...streams].map((s) => [s.id, s.verdict]));
}

async function run(file: string, settings: Settings): Promise<Run> {
  const registry = new Registry();
  const metrics = createMetrics({ settings, registry });
  let secondsCompared = 0;
  const secondsDiffering: string[] = [];
  // on the way: the live verdicts equal those of a report built at the same capture second
  // streams that retired during the run: their final live verdict, as the last 'end' event showed it
  const retired: Record<string, Verdict> = {};
  const midway = {
    onStream: (s: LiveStream, event: 'start' | 'end'): void => {
      if (event === 'end' && s.retired === true) retired[s.id] = s.verdict;
    },
    onSecond: (sec: number, view: LiveView): void => {
      const live = verdictsOf(view.streams());
      if (Object.keys(live).length === 0) return;
      secondsCompared++;
      // the report also lists the streams that retired; the live view holds the others
      const now = verdictsOf(view.report().streams.filter((r) => r.id in live));
      if (JSON.stringify(live) !== JSON.stringify(now)) secondsDiffering.push(`${sec}: live ${JSON.stringify(live)} report ${JSON.stringify(now)}`);
    },
  };
  const a = new Analyzer({ file, settings, listeners: [metrics.listener, midway] });
  metrics.attach(a.view);
  const report = a.end(readCaptureFile(file, (r) => a.push(r), a.readOptions()));
  const scrape = parseExposition(await registry.metrics());
  const labels = (v: Verdict): string => `voipready_streams|profile=${settings.profile},site=${settings.site},verdict=${v}`;
  let dscpMismatchTotal = 0;
  for (const [key, value] of scrape) if (key.startsWith('voipready_rtp_dscp_mismatch_packets_total|')) dscpMismatchTotal += value;
  return {
    report, live: { ...retired, ...verdictsOf(a.view.streams()) },
    scraped: { pass: scrape.get(labels('pass')), warn: scrape.get(labels('warn')), fail: scrape.get(labels('fail')) },
    dscpMismatchTotal, secondsCompared, secondsDiffering,
  };
}

/** packets whose DSCP the thresholds do not allow, from the report's counts (an empty list allows any) */
function wrongDscpPackets(report: AnalysisReport, allowed: number[]): number {
  if (allowed.length === 0) return 0;
  return report.streams.reduce((n, s) => n + Object.entries(s.dscp).filter(([d]) => !allowed.includes(Number(d))).reduce((m, [, c]) => m + c, 0), 0);
}

/** each (capture, config) is analysed once, whichever test asks first */
const runs = new Map<string, Promise<Run>>();
function runOnce(file: string, config: string): Promise<Run> {
  const key = `${file}\u0000${config}`;
  let r = runs.get(key);
  if (r === undefined) {
    r = run(file, CONFIGS[config]!);
    runs.set(key, r);
  }
  return r;
}

function suite(files: string[]): void {
  for (const file of files) {
    const name = file.slice(file.lastIndexOf('/') + 1);
    for (const [config, settings] of Object.entries(CONFIGS)) {
      it(`${name}, ${config}: each stream's live verdict and the /metrics counts equal the report's`, async () => {
        const r = await runOnce(file, config);
        const reported = verdictsOf(r.report.streams);
        expect(r.live).toEqual(reported);
        for (const v of VERDICTS) {
          expect(r.scraped[v], `voipready_streams{verdict="${v}"}`).toBe(r.report.streams.filter((s) => s.verdict === v).length);
        }
        expect(r.secondsDiffering).toEqual([]);
        if (r.report.streams.length > 0) expect(r.secondsCompared).toBeGreaterThan(0);
        // the DSCP mismatch counter counts what the report's counts say is wrong (none with rtpDscp: [])
        expect(r.dscpMismatchTotal).toBe(wrongDscpPackets(r.report, settings.thresholds.rtpDscp));
        if (settings.thresholds.rtpDscp.length === 0) {
          expect(r.report.findings.filter((f) => f.code === 'DSCP_RTP_NOT_EF')).toEqual([]);
          expect(r.report.summary.find((s) => s.criterion === 'dscp')).toMatchObject({ limit: 'any' });
          expect(r.report.summary.find((s) => s.criterion === 'dscp')?.verdict).not.toBe('fail');
        }
      });
    }
  }
}

describe('live verdict equals report verdict: fixtures/captures', () => {
  const files = captureFiles(FIXTURES);
  it('has the fixtures', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });
  suite(files);
  it('the configs provoke every verdict over the fixtures (the comparisons above are not all pass)', async () => {
    const verdicts = async (config: string): Promise<string[]> => {
      const all = await Promise.all(files.map((f) => runOnce(f, config)));
      return [...new Set(all.flatMap((r) => r.report.streams.map((s) => s.verdict)))].sort();
    };
    expect(await verdicts('jitter 2 ms')).toEqual(['fail', 'pass', 'warn']);
    expect(await verdicts('default')).toEqual(['fail', 'pass']);
  });
});

describe.skipIf(!havePublic)('live verdict equals report verdict: ../shared/pcaps/public (skipped when absent: not in a user\'s clone)', () => {
  const files = havePublic ? captureFiles(PUBLIC) : [];
  it('finds the public captures', () => {
    expect(files.length).toBeGreaterThanOrEqual(17);
  });
  suite(files);
});
