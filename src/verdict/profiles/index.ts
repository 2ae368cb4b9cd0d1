/**
 * Built-in profiles: the VoIP-Ready limits PBX vendors publish, with each vendor's port plan.
 * Sources (../shared/seeds/): XPhone Connect "VoIP-Ready" (<= 50 ms one-way, <= 150 ms total,
 * <= 3 % loss, <= 20 ms jitter, <= 40 % utilisation; call controller RTP UDP 30000-33000, STUN
 * 3478/3479) and the STARFACE port overview (SIP 5060 UDP/TCP, 5061 TLS, RTP in UDP 10000-20000).
 * Adding a vendor means adding one file here and one line in PROFILES.
 */
import type { Thresholds } from '../../model/report.js';

export interface Profile {
  name: string;
  description: string;
  thresholds: Thresholds;
}

/** DSCP code points by name (RFC 2474, 2597, 3246) */
export const DSCP = { CS0: 0, CS3: 24, AF31: 26, CS5: 40, EF: 46 } as const;

export const VOIP_READY_LIMITS: Thresholds = {
  oneWayDelayMs: 50,
  totalDelayMs: 150,
  lossPercent: 3,
  jitterMs: 20,
  warnFraction: 0.8,
  linkUtilisationPercent: 40,
  rtpDscp: [DSCP.EF],
  sipDscp: [DSCP.CS3, DSCP.AF31],
  rtpPorts: null,
  sipPorts: [5060, 5061],
  stunPorts: [3478, 3479],
};

const starface: Profile = {
  name: 'starface',
  description: 'STARFACE: SIP 5060 UDP/TCP, 5061 TLS; RTP in on UDP 10000-20000',
  thresholds: { ...VOIP_READY_LIMITS, rtpPorts: { min: 10000, max: 20000 }, sipPorts: [5060, 5061] },
};

const xphone: Profile = {
  name: 'xphone',
  description: 'XPhone Connect call controller: RTP UDP 30000-33000, STUN 3478/3479',
  thresholds: { ...VOIP_READY_LIMITS, rtpPorts: { min: 30000, max: 33000 }, stunPorts: [3478, 3479] },
};

const defaults: Profile = {
  name: 'default',
  description: 'VoIP-Ready limits, any RTP port',
  thresholds: VOIP_READY_LIMITS,
};

export const PROFILES: Record<string, Profile> = { default: defaults, starface, xphone };

export function profileNames(): string[] {
  return Object.keys(PROFILES);
}
