/**
 * nat-check's result as metric families (`nat-check --textfile` / `--remote-write`). Pure.
 *
 *   voipready_nat_check_success                     1: a STUN server answered; 0: none did
 *   voipready_nat_check_behind_nat                  1: the mapped address is not one of this host's
 *   voipready_nat_check_nat_type                    1 for the NAT type, 0 for the rest of the closed set (a state set: see alg-check-metrics.ts)
 *   voipready_nat_check_mapping_stable              1: every destination saw the same address:port (endpoint-independent); 0: not
 *   voipready_nat_check_filtering_open              1: an answer from the server's other port got in; 0: filtered (port-restricted)
 *   voipready_nat_check_mapped_port                 the public port the first server saw (a port that moves between runs is a short binding)
 *   voipready_nat_check_public_address_info         1, with the public address (one value per site and server; it changes rarely)
 *   voipready_nat_check_binding_kept                with --lifetime: 1 when the binding survived the idle time, 0 when it was lost
 *   voipready_nat_check_binding_idle_seconds        with --lifetime: the idle time tested
 *   voipready_nat_check_duration_seconds, voipready_nat_check_last_run_timestamp_seconds
 *
 * Labels: site, server (the first --stun). nat_type: none (no NAT), symmetric (destination-dependent
 * mapping), port_restricted (endpoint-independent mapping, an answer from the server's other port
 * filtered), cone (endpoint-independent, the other port's answer let in: full or address-restricted
 * cone; one server IP cannot tell those apart), unknown (too little to say: one destination only).
 */
import type { NatCheckResult } from '../../alg-test/nat-check.js';
import { gaugeFamily } from './alg-check-metrics.js';
import type { Family, LabelValues } from './family.js';

export const NAT_TYPE_LABELS = ['none', 'cone', 'port_restricted', 'symmetric', 'unknown'] as const;
export type NatTypeLabel = (typeof NAT_TYPE_LABELS)[number];

export function natTypeLabel(r: Pick<NatCheckResult, 'natted' | 'mappingBehaviour' | 'changePortAnswered'>): NatTypeLabel {
  if (r.natted === false) return 'none';
  if (r.mappingBehaviour === 'destination-dependent') return 'symmetric';
  if (r.mappingBehaviour === 'endpoint-independent' && r.changePortAnswered !== null) return r.changePortAnswered ? 'cone' : 'port_restricted';
  return 'unknown';
}

export interface NatCheckMetricsRun {
  site: string;
  server: string;
  /** null or mapped === null: no STUN server answered */
  result: NatCheckResult | null;
  durationSeconds: number;
  endedAtMs: number;
}

function resultFamilies(base: LabelValues, r: NatCheckResult): Family[] {
  const mapped = r.mapped!;
  const natType = natTypeLabel(r);
  const out = [
    gaugeFamily('voipready_nat_check_behind_nat', 'nat-check: 1 when the STUN-mapped address is not one of this host\'s own (behind NAT)', [{ labels: base, value: r.natted === true ? 1 : 0 }]),
    gaugeFamily('voipready_nat_check_nat_type', 'nat-check: 1 for the NAT type (none, cone, port_restricted, symmetric, unknown), 0 for the others', NAT_TYPE_LABELS.map((nat_type) => ({ labels: { ...base, nat_type }, value: nat_type === natType ? 1 : 0 }))),
    gaugeFamily('voipready_nat_check_mapped_port', 'nat-check: the public port the first STUN server saw', [{ labels: base, value: mapped.port }]),
    gaugeFamily('voipready_nat_check_public_address_info', 'nat-check: the public address the first STUN server saw', [{ labels: { ...base, address: mapped.address }, value: 1 }]),
  ];
  if (r.mappingBehaviour !== null) {
    out.push(gaugeFamily('voipready_nat_check_mapping_stable', 'nat-check: 1 when every destination saw the same public address:port (endpoint-independent mapping), 0 when not', [{ labels: base, value: r.mappingBehaviour === 'endpoint-independent' ? 1 : 0 }]));
  }
  if (r.changePortAnswered !== null) {
    out.push(gaugeFamily('voipready_nat_check_filtering_open', 'nat-check: 1 when an answer from the STUN server\'s other port got in (RFC 5780 CHANGE-REQUEST), 0 when it was filtered (port-restricted)', [{ labels: base, value: r.changePortAnswered ? 1 : 0 }]));
  }
  if (r.lifetime !== null) {
    out.push(
      gaugeFamily('voipready_nat_check_binding_kept', 'nat-check --lifetime: 1 when the binding was the same after the idle time, 0 when it was lost', [{ labels: base, value: r.lifetime.kept ? 1 : 0 }]),
      gaugeFamily('voipready_nat_check_binding_idle_seconds', 'nat-check --lifetime: the idle time the binding was tested with', [{ labels: base, value: r.lifetime.idleSeconds }]),
    );
  }
  return out;
}

export function natCheckFamilies(run: NatCheckMetricsRun): Family[] {
  const base: LabelValues = { site: run.site, server: run.server };
  const ok = run.result !== null && run.result.mapped !== null;
  return [
    gaugeFamily('voipready_nat_check_success', 'nat-check: 1 when a STUN server answered, 0 when none did', [{ labels: base, value: ok ? 1 : 0 }]),
    ...(ok ? resultFamilies(base, run.result!) : []),
    gaugeFamily('voipready_nat_check_duration_seconds', 'nat-check: how long the check took', [{ labels: base, value: run.durationSeconds }]),
    gaugeFamily('voipready_nat_check_last_run_timestamp_seconds', 'nat-check: when the check ended (Unix time)', [{ labels: base, value: Math.floor(run.endedAtMs / 1000) }]),
  ];
}
