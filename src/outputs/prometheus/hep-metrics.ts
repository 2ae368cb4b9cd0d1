/**
 * The HEP collector's own series: what arrived per capture agent and protocol, and what was refused
 * and why. The agent label is bounded: the first `maxAgents` capture-agent ids seen keep their own
 * value, later ones share "other"; packets without an id are "none".
 */
import type { Registry } from 'prom-client';
import { CounterFamily } from './family.js';
import { registerFamily } from './prom-bridge.js';
import { HEP_ERROR_REASONS, type HepErrorReason } from '../../capture/sources/hep.js';

export const HEP_PROTO_LABELS = ['sip', 'rtcp', 'other'] as const;
export const DEFAULT_MAX_AGENTS = 32;

export interface HepMetrics {
  packet(agentId: number | null, protoType: number): void;
  error(reason: HepErrorReason): void;
  /** the agent label value this id is counted under */
  agentLabel(agentId: number | null): string;
}

export function createHepMetrics(registry: Registry, maxAgents = DEFAULT_MAX_AGENTS): HepMetrics {
  const packets = new CounterFamily('voipready_hep_packets_total', 'HEP packets received, by capture agent id (first agents seen, then "other") and payload protocol', ['agent', 'proto']);
  const errors = new CounterFamily('voipready_hep_errors_total', 'HEP packets not analysed, by reason', ['reason']);
  for (const reason of HEP_ERROR_REASONS) errors.zero({ reason });
  registerFamily(registry, packets);
  registerFamily(registry, errors);
  const agents = new Set<number>();
  const agentLabel = (id: number | null): string => {
    if (id === null) return 'none';
    if (agents.has(id)) return String(id);
    if (agents.size >= maxAgents) return 'other';
    agents.add(id);
    return String(id);
  };
  return {
    agentLabel,
    packet: (agentId, protoType) => packets.inc({ agent: agentLabel(agentId), proto: protoLabel(protoType) }),
    error: (reason) => errors.inc({ reason }),
  };
}

/** HEP protocol type (chunk 11) as a label: 1 SIP, 5 RTCP, the rest "other" */
export function protoLabel(protoType: number): (typeof HEP_PROTO_LABELS)[number] {
  return protoType === 1 ? 'sip' : protoType === 5 ? 'rtcp' : 'other';
}
