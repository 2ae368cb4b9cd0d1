/**
 * The metrics outputs of the one-shot checks (alg-check, nat-check), run from cron or a systemd
 * timer: `--textfile FILE.prom` for node_exporter's textfile collector, `--remote-write URL` (the
 * project's remote_write client: one sample of the run, pushed before the command exits), and
 * `--config FILE` for the `site` label, external labels and remote_write targets. A failure of either
 * output is E_OUTPUT (exit 8) after the result is printed, like --html and --report.
 */
import { Registry } from 'prom-client';
import type { Command } from 'commander';
import { addSharedOptions, pushSettingsFromOptions, type RemoteWriteCliOptions } from '../config/options/index.js';
import { loadSettings } from '../config/load-settings.js';
import type { Settings } from '../config/settings.js';
import { VoipreadyError } from '../errors.js';
import { registerFamily } from '../outputs/prometheus/prom-bridge.js';
import type { Family } from '../outputs/prometheus/family.js';
import { isTextfileName, renderTextfile } from '../outputs/prometheus/textfile.js';
import { createRemoteWriter } from '../outputs/remote-write/index.js';
import { writeFileAtomic } from './write-textfile.js';
import { keepOutputError } from './write-output.js';

export interface CheckMetricsOptions extends RemoteWriteCliOptions {
  textfile?: string;
  config?: string;
}

export function addCheckMetricsOptions(cmd: Command): Command {
  cmd
    .option('--textfile <file.prom>', 'also write the result as Prometheus metrics for node_exporter\'s textfile collector (written atomically)')
    .option('-c, --config <file>', 'YAML or JSON config: site label, external labels, remote_write targets');
  return addSharedOptions(cmd, 'remoteWrite');
}

/** the settings of a check, with the --textfile name checked before anything is sent */
export function checkMetricsSettings(o: CheckMetricsOptions): Settings {
  if (o.textfile !== undefined && !isTextfileName(o.textfile)) {
    throw new VoipreadyError('E_USAGE', `--textfile "${o.textfile}": the name must end in .prom (node_exporter's textfile collector reads only *.prom files)`);
  }
  return loadSettings(o.config !== undefined ? { config: o.config } : {});
}

/** writes the textfile and pushes; the output errors, kept for after the result is printed */
export async function publishCheckMetrics(o: CheckMetricsOptions, settings: Settings, families: Family[], timestampMs: number): Promise<VoipreadyError[]> {
  const failed: VoipreadyError[] = [];
  if (o.textfile !== undefined) {
    const path = o.textfile;
    await keepOutputError(failed, () => writeFileAtomic(path, renderTextfile(families), 'the metrics textfile (--textfile)'));
  }
  await keepOutputError(failed, () => push(o, settings, families, timestampMs));
  return failed;
}

async function push(o: CheckMetricsOptions, settings: Settings, families: Family[], timestampMs: number): Promise<void> {
  const push = pushSettingsFromOptions(o, settings);
  if (push.targets.length === 0) return;
  const registry = new Registry();
  for (const f of families) registerFamily(registry, f);
  const writer = createRemoteWriter({
    targets: push.targets, registry, externalLabels: settings.externalLabels, pushIntervalSeconds: push.pushIntervalSeconds,
    stateDir: push.stateDir,
    // the writer's own counters describe this one push: not worth a series on the dashboard
    selfMetricsRegistry: new Registry(),
    log: (line) => process.stderr.write(`voipready: ${line}\n`),
  });
  await writer.sample(timestampMs);
  // stop() pushes what is queued (within the longest target timeout), then keeps the rest under --state-dir
  await writer.stop(Math.max(...push.targets.map((t) => t.timeoutMs ?? 30_000)));
  const undelivered = writer.stats.targets.filter((t) => t.pending > 0 || t.sent === 0);
  if (undelivered.length > 0) {
    const what = undelivered.map((t) => `${t.name}${t.lastError !== null ? ` (${t.lastError})` : ''}`).join(', ');
    throw new VoipreadyError('E_OUTPUT', `cannot push the metrics (--remote-write): not delivered to ${what}${push.stateDir !== null ? `; kept in ${push.stateDir} for the next run` : ''}`);
  }
}
