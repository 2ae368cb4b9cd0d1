/**
 * Which way audio was expected to flow, and when, from a call's SDP offers and answers (RFC 3264):
 * hold and resume re-INVITEs, a=sendonly / recvonly / inactive (media level, else session level),
 * RFC 2543 hold (c=0.0.0.0), and re-INVITEs that switch to T.38 fax. The offer's direction and the
 * answer's together decide (RFC 3264 6.1): a side sends when its own line lets it send and the other
 * side's lets it receive. An offer changes nothing until it is answered (a re-INVITE declined with 488
 * leaves the call as it was). Pure: the call's SdpMediaReport list in, the periods out.
 */
import type { SdpMediaReport } from '../model/report.js';

export interface AudioPeriod {
  /** from this frame (the answer that set it; 0 when no SDP says) up to the next period's */
  fromPacket: number;
  /** the first SDP of the period: the offer/answer that set it, for the findings */
  offerPacket: number | null;
  answerPacket: number | null;
  callerSends: boolean;
  calleeSends: boolean;
  /** the audio payload types the answer accepted, null when no answer names them */
  answered: number[] | null;
}

/** the first RTP audio line of one SDP message, or null when the message has none (T.38 only, MSRP...) */
interface Message {
  packet: number;
  side: 'offer' | 'answer';
  byCaller: boolean;
  audio: SdpMediaReport | null;
}

function messagesOf(sdp: readonly SdpMediaReport[]): Message[] {
  const out: Message[] = [];
  for (const m of sdp) {
    let msg = out[out.length - 1];
    if (msg === undefined || msg.packet !== m.packet || msg.side !== m.side || msg.byCaller !== m.byCaller) {
      msg = { packet: m.packet, side: m.side, byCaller: m.byCaller, audio: null };
      out.push(msg);
    }
    if (msg.audio === null && m.media === 'audio' && /(^|\/)RTP(\/|$)/i.test(m.protocol)) msg.audio = m;
  }
  return out;
}

/** RFC 2543 hold: c=0.0.0.0 says "do not send to me", as recvonly -> inactive, sendrecv -> sendonly */
function effective(m: SdpMediaReport): SdpMediaReport['direction'] {
  if (!m.address.startsWith('0.0.0.0:')) return m.direction;
  return m.direction === 'sendrecv' || m.direction === 'sendonly' ? 'sendonly' : 'inactive';
}

const sends = (d: SdpMediaReport['direction']): boolean => d === 'sendrecv' || d === 'sendonly';
const receives = (d: SdpMediaReport['direction']): boolean => d === 'sendrecv' || d === 'recvonly';

function period(offer: Message, answer: Message | null, from: number): AudioPeriod {
  const o = offer.audio;
  const a = answer === null ? null : answer.audio;
  const base = { fromPacket: from, offerPacket: offer.packet, answerPacket: answer?.packet ?? null };
  // no audio line on either side: the call is fax or something else now, no voice expected
  if (o === null || (answer !== null && a === null)) return { ...base, callerSends: false, calleeSends: false, answered: a === null ? null : a.payloadTypes };
  const od = effective(o);
  // without the answer in the capture, the other side is taken as willing both ways
  const ad = a === null ? 'sendrecv' : effective(a);
  const callerDir = offer.byCaller ? od : ad;
  const calleeDir = offer.byCaller ? ad : od;
  return {
    ...base, callerSends: sends(callerDir) && receives(calleeDir), calleeSends: sends(calleeDir) && receives(callerDir),
    answered: a === null ? null : a.payloadTypes,
  };
}

/**
 * The periods of the call, in order, neighbours with the same directions merged (an early-media 183
 * and the 200 that confirms it are one period). Without any SDP: one period from the start, both ways
 * expected (nothing says otherwise).
 */
export function audioPeriods(sdp: readonly SdpMediaReport[]): AudioPeriod[] {
  const out: AudioPeriod[] = [];
  let offer: Message | null = null;
  let answered = false;
  for (const msg of messagesOf(sdp)) {
    if (msg.side === 'offer') {
      offer = msg;
      answered = false;
      continue;
    }
    if (offer === null || offer.byCaller === msg.byCaller) continue; // an answer needs the other side's offer
    push(out, period(offer, msg, msg.packet));
    answered = true;
  }
  // the last offer was not answered in the capture: the initial one still says what the caller wants
  if (offer !== null && !answered && out.length === 0) push(out, period(offer, null, offer.packet));
  if (out.length === 0) out.push({ fromPacket: 0, offerPacket: null, answerPacket: null, callerSends: true, calleeSends: true, answered: null });
  return out;
}

function push(out: AudioPeriod[], p: AudioPeriod): void {
  const last = out[out.length - 1];
  if (last !== undefined && last.callerSends === p.callerSends && last.calleeSends === p.calleeSends && sameList(last.answered, p.answered)) return;
  out.push(p);
}

function sameList(a: number[] | null, b: number[] | null): boolean {
  return a === b || (a !== null && b !== null && a.length === b.length && a.every((x, i) => x === b[i]));
}

/** the packet range [from, to) of period i (the last runs to the end of the capture) */
export function periodEnd(periods: readonly AudioPeriod[], i: number): number {
  return periods[i + 1]?.fromPacket ?? Number.POSITIVE_INFINITY;
}
