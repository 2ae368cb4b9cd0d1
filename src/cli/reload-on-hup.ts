/**
 * SIGHUP reloads the configuration of a long-running command (monitor, proxy) without losing state:
 * the settings are read again from the same options (--config FILE, --profile), and applied to the
 * running analyzer (Analyzer.reconfigure: thresholds and profile; streams, calls and counters go on).
 * A configuration that does not load keeps the old one and says why, on stderr and in metrics, the
 * way Prometheus itself does (prometheus_config_last_reload_successful).
 */
import type { Registry } from 'prom-client';
import type { AnalysisSettings } from '../config/settings.js';
import { ComputedGaugeFamily, CounterFamily } from '../outputs/prometheus/family.js';
import { registerFamily } from '../outputs/prometheus/prom-bridge.js';

export interface Reconfigurable {
  reconfigure(next: AnalysisSettings): void;
}

export function reloadOnHup(load: () => AnalysisSettings, target: Reconfigurable, registry: Registry, what: string): () => void {
  const reloads = new CounterFamily('voipready_config_reloads_total', 'configuration reloads on SIGHUP, by outcome (ok, failed: the previous configuration stays)', ['outcome']);
  reloads.zero({ outcome: 'ok' });
  reloads.zero({ outcome: 'failed' });
  let lastOk = 1;
  let lastAt = Date.now() / 1000;
  const state = new ComputedGaugeFamily('voipready_config_last_reload_successful', '1 when the last configuration (re)load succeeded, 0 when it failed and the previous one is in use',
    () => [{ labels: {}, value: lastOk }]);
  const at = new ComputedGaugeFamily('voipready_config_last_reload_timestamp_seconds', 'when the configuration was last (re)loaded, or a reload tried', () => [{ labels: {}, value: lastAt }]);
  for (const f of [reloads, state, at]) registerFamily(registry, f);
  const onHup = (): void => {
    lastAt = Date.now() / 1000;
    let next: AnalysisSettings;
    try {
      next = load();
    } catch (err) {
      lastOk = 0;
      reloads.inc({ outcome: 'failed' });
      process.stderr.write(`voipready: SIGHUP: ${what} not reloaded, the previous configuration stays: ${(err as Error).message}\n`);
      return;
    }
    target.reconfigure(next);
    lastOk = 1;
    reloads.inc({ outcome: 'ok' });
    process.stderr.write(`voipready: SIGHUP: reloaded ${what} (profile ${next.profile})\n`);
  };
  process.on('SIGHUP', onHup);
  return () => process.off('SIGHUP', onHup);
}
