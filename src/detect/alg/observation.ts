/** What one ALG/NAT check concluded about one message or stream, before the listener dedupes it into a finding. */
import type { Finding, Severity } from '../../model/report.js';

export type Confidence = 'high' | 'medium' | 'low';

/** the codes this detector raises; voipready_sip_alg_findings_total counts exactly these */
export const ALG_NAT_CODES = [
  'SIP_ALG_REWRITE', 'NAT_PRIVATE_ADDRESS_IN_SIP', 'NAT_PRIVATE_ADDRESS_IN_SDP', 'NAT_PUBLIC_ADDRESS_FROM_PRIVATE_SOURCE',
  'SIP_CONTENT_LENGTH_MISMATCH', 'SIP_VIA_RECEIVED_MISMATCH', 'RTP_FROM_UNSIGNALLED_ADDRESS', 'SDP_PORT_MISMATCH',
] as const;

export type AlgNatCode = (typeof ALG_NAT_CODES)[number];

export function isAlgNatCode(code: string): code is AlgNatCode {
  return (ALG_NAT_CODES as readonly string[]).includes(code);
}

export interface Observation {
  code: AlgNatCode;
  severity: Severity;
  confidence: Confidence;
  /** why this confidence: the pattern seen */
  reason: string;
  /** one sentence: what disagrees with what */
  message: string;
  packet: number;
  callId: string | null;
  /** the packet's IP header line first, then the quoted header/SDP lines */
  evidence: string[];
}

export function toFinding(o: Observation): Finding {
  return {
    severity: o.severity,
    code: o.code,
    message: `${o.message} (confidence ${o.confidence}: ${o.reason})`,
    ...(o.callId !== null ? { callId: o.callId } : {}),
    packet: o.packet,
    evidence: [...o.evidence, `confidence: ${o.confidence} (${o.reason})`],
  };
}
