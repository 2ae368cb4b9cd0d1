/**
 * The writer's own health, the Prometheus way: one counter with a closed `result` label, gauges
 * filled in collect() so they are current at every scrape (and every snapshot, when the writer
 * pushes its own registry).
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export type SampleResult = 'sent' | 'failed' | 'dropped';

export interface TargetHealth {
  name: string;
  pending(): number;
  /** ms since the epoch of the oldest queued sample, or null */
  oldestPendingMs(): number | null;
  /** ms since the epoch, or null before the first success */
  lastSuccessMs(): number | null;
}

export class RemoteWriteMetrics {
  private readonly samples: Counter<'target' | 'result'>;

  constructor(registry: Registry, targets: readonly TargetHealth[], now: () => number) {
    this.samples = new Counter({
      name: 'voipready_remote_write_samples_total',
      help: 'Samples handled by remote_write, by result: sent (accepted), failed (rejected with a 4xx, not retried), dropped (queue full)',
      labelNames: ['target', 'result'],
      registers: [registry],
    });
    for (const t of targets) {
      for (const result of ['sent', 'failed', 'dropped'] as const) this.samples.inc({ target: t.name, result }, 0);
    }
    gauge(registry, 'voipready_remote_write_queue_samples', 'Samples queued for a target, not yet sent', targets, (t) => t.pending());
    gauge(registry, 'voipready_remote_write_oldest_sample_age_seconds', 'Age of the oldest queued sample (0 when the queue is empty)', targets, (t) => {
      const oldest = t.oldestPendingMs();
      return oldest === null ? 0 : Math.max(0, (now() - oldest) / 1000);
    });
    gauge(registry, 'voipready_remote_write_last_success_timestamp_seconds', 'When the last push to a target succeeded (0 before the first)', targets, (t) => {
      const last = t.lastSuccessMs();
      return last === null ? 0 : last / 1000;
    });
  }

  count(target: string, result: SampleResult, n: number): void {
    if (n > 0) this.samples.inc({ target, result }, n);
  }
}

function gauge(registry: Registry, name: string, help: string, targets: readonly TargetHealth[], value: (t: TargetHealth) => number): void {
  const labels = targets.map((t) => ({ target: t.name }));
  new Gauge({
    name,
    help,
    labelNames: ['target'],
    registers: [registry],
    collect() {
      // the same labels object every time: the snapshot reader recognises the series by it
      targets.forEach((t, i) => this.set(labels[i] as { target: string }, value(t)));
    },
  });
}
