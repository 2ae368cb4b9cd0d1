/**
 * RTP clock rates as tshark 4.0 uses them for jitter (ui/tap-rtp-analysis.c): a static table for
 * payload types below 96 (RFC 3551 + IANA), and for dynamic types the rtpmap rate or, when the rtpmap
 * gave none, a table by encoding name. "telephone-event" has no usable clock (RFC 4733 2.2.1: the
 * timestamp stays at the event start), so it counts as 0 and the packet adds nothing to jitter.
 */
import { staticPayloadType } from '../decode/rtp-payload-types.js';

/** static payload type -> clock rate (0 = unknown: no jitter), from the one RFC 3551 table */
const STATIC_CLOCK = new Int32Array(96);
for (let pt = 0; pt < 96; pt++) STATIC_CLOCK[pt] = staticPayloadType(pt)?.clockRate ?? 0;


/** encoding name -> clock, matched by prefix, case-insensitive, last match first (as tshark does) */
const DYNAMIC_CLOCK: Array<[string, number]> = [
  ['amr', 8000], ['amr-wb', 16000], ['bmpeg', 90000], ['bt656', 90000], ['dv', 90000], ['evrc', 8000],
  ['evrc0', 8000], ['evrc1', 8000], ['evrcb', 8000], ['evrcb0', 8000], ['evrcb1', 8000],
  ['evrcwb', 16000], ['evrcwb0', 16000], ['evrcwb1', 16000], ['evs', 16000], ['g7221', 16000],
  ['g726-16', 8000], ['g726-24', 8000], ['g726-32', 8000], ['g726-40', 8000], ['g729d', 8000],
  ['g729e', 8000], ['gsm-efr', 8000], ['h263-1998', 90000], ['h263-2000', 90000], ['h264', 90000],
  ['mp1s', 90000], ['mp2p', 90000], ['mp4v-es', 90000], ['mpa-robust', 90000], ['opus', 48000],
  ['pointer', 90000], ['raw', 90000], ['red', 1000], ['smv', 8000], ['smv0', 8000], ['t140', 1000],
  ['telephone-event', 8000],
];

export const PT_CN = 13;
export const PT_CN_OLD = 19;

export function staticClockRate(pt: number): number {
  return pt >= 0 && pt < 96 ? STATIC_CLOCK[pt]! : 0;
}

/** the static payload type's name as Wireshark prints it ("g711A"), so reports read like tshark's */
export function staticPayloadName(pt: number): string | null {
  return staticPayloadType(pt)?.codec ?? null;
}

export function isTelephoneEventName(codec: string): boolean {
  return codec.length >= 15 && codec.slice(0, 15).toLowerCase() === 'telephone-event';
}

/** tshark's get_dyn_pt_clock_rate: prefix match, searched from the end of the table */
export function dynamicClockRate(codec: string): number {
  const lower = codec.toLowerCase();
  for (let i = DYNAMIC_CLOCK.length - 1; i >= 0; i--) {
    const [name, rate] = DYNAMIC_CLOCK[i]!;
    if (lower.startsWith(name)) return rate;
  }
  return 0;
}

/**
 * The clock tshark uses for one packet: static table below 96; for dynamic types, 0 when the
 * payload type is not mapped or is telephone-event, else the rtpmap rate, else the name table.
 */
export function tsharkClockRate(pt: number, codec: string | null, rtpmapRate: number): number {
  if (pt < 96) return staticClockRate(pt);
  if (codec === null) return 0;
  if (isTelephoneEventName(codec)) return 0;
  return rtpmapRate !== 0 ? rtpmapRate : dynamicClockRate(codec);
}
