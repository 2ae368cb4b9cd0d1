/**
 * The active SIP ALG test's result as metric families, for `alg-check --textfile` (node_exporter's
 * textfile collector) and `--remote-write`: one run, one set of gauges. Pure: the run in, families out.
 *
 *   voipready_alg_check_success                      1: the check ran and the echo answered; 0: it did not
 *   voipready_alg_check_alg_detected                 1: something rewrote the test messages; 0: no rewriting seen
 *   voipready_alg_check_rewritten_fields             1 per {direction, field} rewritten, 0 for the rest of the closed set
 *   voipready_alg_check_fingerprint                  1 for the box the rewrite pattern points to, 0 for the rest of the closed set
 *   voipready_alg_check_duration_seconds             how long the check took
 *   voipready_alg_check_last_run_timestamp_seconds   when it ended (a stale file shows as an old timestamp)
 *
 * Labels: site (config `site:`), server (the --server given: one value per check a host runs, chosen by
 * whoever writes the cron line), transport (udp|tcp); direction and field and fingerprint from closed
 * sets, anything else becomes "other" (style habit 14). The series without a result (alg_detected,
 * rewritten_fields, fingerprint) are left out of a failed run rather than reported as 0: "no ALG"
 * is a finding, "could not test" is not.
 *
 * rewritten_fields and fingerprint are state sets (every member of the closed set, 1 for the current
 * state, like kube-state-metrics' phase series), not info series whose label changes: the label sets
 * stay the same from run to run, so `last_over_time()` on the dashboard shows the last run's state
 * alone, also with --remote-write, where each run is one sample an hour apart.
 */
import type { CheckResult } from '../../detect/alg-active/analyse.js';
import type { Family, FamilySnapshot, LabelValues, Sample } from './family.js';

/** the rewritten-field label values; `other` holds CSeq, Record-Route, i=, a=, a whole SDP ... */
export const ALG_FIELD_LABELS = ['via', 'contact', 'from', 'to', 'call_id', 'request_uri', 'sdp_c', 'sdp_o', 'sdp_m_port', 'content_length', 'other'] as const;
export type AlgFieldLabel = (typeof ALG_FIELD_LABELS)[number];

/** the fingerprint label values: one per box fingerprint.ts names, `unknown` (rewritten, box unknown), `none` (no rewriting) */
export const ALG_FINGERPRINT_LABELS = ['linux_nf_nat_sip', 'fortigate', 'juniper', 'cisco_asa', 'sip_proxy', 'unknown', 'none'] as const;
export type AlgFingerprintLabel = (typeof ALG_FINGERPRINT_LABELS)[number];

const FIELD_BY_NAME: Record<string, AlgFieldLabel> = {
  Via: 'via', Contact: 'contact', From: 'from', To: 'to', 'Call-ID': 'call_id', 'Request-URI': 'request_uri',
  'c=': 'sdp_c', 'o=': 'sdp_o', 'm= port': 'sdp_m_port', 'Content-Length': 'content_length',
};

/** a field name of the verdict ("Via", "m= port", ...) as its label value */
export function algFieldLabel(field: string): AlgFieldLabel {
  return FIELD_BY_NAME[field] ?? 'other';
}

/** the box fingerprint.ts named (by the start of its name, which it keeps stable), or unknown/none */
export function algFingerprintLabel(result: Pick<CheckResult, 'algPresent' | 'fingerprint'>): AlgFingerprintLabel {
  if (!result.algPresent) return 'none';
  const box = result.fingerprint?.box ?? null;
  if (box === null) return 'unknown';
  if (box.startsWith('Linux nf_nat_sip')) return 'linux_nf_nat_sip';
  if (box.startsWith('FortiGate')) return 'fortigate';
  if (box.startsWith('Juniper')) return 'juniper';
  if (box.startsWith('Cisco ASA')) return 'cisco_asa';
  if (/proxy/i.test(box)) return 'sip_proxy';
  return 'unknown';
}

export interface AlgCheckMetricsRun {
  site: string;
  /** the --server as given ("host:port") */
  server: string;
  transport: 'udp' | 'tcp';
  /** null: the check did not run to a result (the echo could not be reached or gave no usable answer) */
  result: CheckResult | null;
  durationSeconds: number;
  /** when the check ended, ms since the epoch */
  endedAtMs: number;
}

/** a fixed gauge family: its samples are known when it is built */
export function gaugeFamily(name: string, help: string, values: Sample[]): Family {
  const snap: FamilySnapshot = { name, help, type: 'gauge', values, aggregator: 'sum' };
  return { name, help, type: 'gauge', snapshot: () => snap };
}

function fieldSamples(base: LabelValues, r: CheckResult): Sample[] {
  const out: Sample[] = [];
  for (const [direction, fields] of [['outbound', r.outboundFields], ['inbound', r.inboundFields]] as const) {
    const seen = new Set(fields.map(algFieldLabel));
    for (const field of ALG_FIELD_LABELS) out.push({ labels: { ...base, direction, field }, value: seen.has(field) ? 1 : 0 });
  }
  return out;
}

function fingerprintSamples(base: LabelValues, current: AlgFingerprintLabel): Sample[] {
  return ALG_FINGERPRINT_LABELS.map((fingerprint) => ({ labels: { ...base, fingerprint }, value: fingerprint === current ? 1 : 0 }));
}

export function algCheckFamilies(run: AlgCheckMetricsRun): Family[] {
  const base: LabelValues = { site: run.site, server: run.server, transport: run.transport };
  const r = run.result;
  const families = [
    gaugeFamily('voipready_alg_check_success', 'alg-check: 1 when the check ran and the echo answered verifiably, 0 when it could not test', [{ labels: base, value: r === null ? 0 : 1 }]),
  ];
  if (r !== null) {
    families.push(
      gaugeFamily('voipready_alg_check_alg_detected', 'alg-check: 1 when something on the path rewrote the SIP/SDP test messages (SIP ALG), 0 when nothing was rewritten', [{ labels: base, value: r.algPresent ? 1 : 0 }]),
      gaugeFamily('voipready_alg_check_rewritten_fields', 'alg-check: 1 for each field rewritten in this direction (outbound: phone to echo; inbound: the answer), 0 for the others', fieldSamples(base, r)),
      gaugeFamily('voipready_alg_check_fingerprint', 'alg-check: 1 for the kind of box the rewrite pattern points to (none: no rewriting; unknown: rewritten, box unknown), 0 for the others', fingerprintSamples(base, algFingerprintLabel(r))),
    );
  }
  families.push(
    gaugeFamily('voipready_alg_check_duration_seconds', 'alg-check: how long the check took', [{ labels: base, value: run.durationSeconds }]),
    gaugeFamily('voipready_alg_check_last_run_timestamp_seconds', 'alg-check: when the check ended (Unix time)', [{ labels: base, value: Math.floor(run.endedAtMs / 1000) }]),
  );
  return families;
}
