/**
 * The active probe's metrics (`voipready probe send --serve` / `--remote-write`), in the same registry
 * as the thresholds and process metrics. Labels: site, profile, direction (forward = sender to
 * reflector, backward = reflector to sender, round_trip). No target label: one probe per process, and
 * the target's name is in /api/report.
 *
 *   voipready_probe_rtt_seconds                  histogram  round trip per reflected packet
 *   voipready_probe_one_way_delay_seconds        histogram  one-way delay per direction (not observed when the clocks are not synchronised)
 *   voipready_probe_packets_sent_total           counter    test packets sent
 *   voipready_probe_packets_lost_total           counter    lost per direction and round trip (increases only, after a grace period)
 *   voipready_probe_dscp_remarked_packets_total  counter    packets that arrived with another DSCP, per direction
 */
import type { Registry } from 'prom-client';
import type { Settings } from '../../config/settings.js';
import { CounterFamily, HistogramFamily } from './family.js';
import type { LabelValues } from './family.js';
import { registerFamily } from './prom-bridge.js';

export const PROBE_DELAY_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.15, 0.3, 1] as const;

export interface ProbeLosses {
  forward: number;
  backward: number;
  roundTrip: number;
}

export class ProbeMetrics {
  readonly rtt: HistogramFamily;
  readonly oneWay: HistogramFamily;
  readonly sent: CounterFamily;
  readonly lost: CounterFamily;
  readonly remarked: CounterFamily;
  private readonly base: LabelValues;
  private counted: ProbeLosses = { forward: 0, backward: 0, roundTrip: 0 };

  constructor(registry: Registry, settings: Settings) {
    const names = ['site', 'profile', 'direction'];
    this.base = { site: settings.site, profile: settings.profile };
    this.rtt = new HistogramFamily('voipready_probe_rtt_seconds', 'STAMP probe round trip ((T4-T1)-(T3-T2)) per reflected packet', ['site', 'profile'], PROBE_DELAY_BUCKETS_SECONDS);
    this.oneWay = new HistogramFamily('voipready_probe_one_way_delay_seconds', 'STAMP probe one-way delay per direction (only with synchronised clocks)', names, PROBE_DELAY_BUCKETS_SECONDS);
    this.sent = new CounterFamily('voipready_probe_packets_sent_total', 'STAMP test packets sent', ['site', 'profile']);
    this.lost = new CounterFamily('voipready_probe_packets_lost_total', 'STAMP test packets lost, per direction and round trip', names);
    this.remarked = new CounterFamily('voipready_probe_dscp_remarked_packets_total', 'STAMP test packets that arrived with another DSCP than sent, per direction', names);
    for (const f of [this.rtt, this.oneWay, this.sent, this.lost, this.remarked]) registerFamily(registry, f);
    this.rtt.zero(this.base);
    this.sent.zero(this.base);
    for (const direction of ['forward', 'backward']) {
      this.oneWay.zero({ ...this.base, direction });
      this.lost.zero({ ...this.base, direction });
      this.remarked.zero({ ...this.base, direction });
    }
    this.lost.zero({ ...this.base, direction: 'round_trip' });
  }

  packetSent(): void {
    this.sent.inc(this.base);
  }

  sample(s: { forwardMs: number; backwardMs: number; rttMs: number; forwardRemarked: boolean; backwardRemarked: boolean }, clocksOk: boolean): void {
    this.rtt.observe(this.base, s.rttMs / 1000);
    if (clocksOk) {
      this.oneWay.observe({ ...this.base, direction: 'forward' }, s.forwardMs / 1000);
      this.oneWay.observe({ ...this.base, direction: 'backward' }, s.backwardMs / 1000);
    }
    if (s.forwardRemarked) this.remarked.inc({ ...this.base, direction: 'forward' });
    if (s.backwardRemarked) this.remarked.inc({ ...this.base, direction: 'backward' });
  }

  /** counts the increase of the settled losses since the last call */
  losses(l: ProbeLosses): void {
    const keys: Array<[keyof ProbeLosses, string]> = [['forward', 'forward'], ['backward', 'backward'], ['roundTrip', 'round_trip']];
    for (const [k, direction] of keys) {
      if (l[k] > this.counted[k]) {
        this.lost.inc({ ...this.base, direction }, l[k] - this.counted[k]);
        this.counted[k] = l[k];
      }
    }
  }
}
