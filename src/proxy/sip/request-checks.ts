/**
 * RFC 3261 16.3 step 1 (request validation: "reasonable syntax") for what a proxy relies on: the
 * headers every request must carry (8.1.1: Via, From, To, Call-ID, CSeq) and a CSeq whose method is the
 * request's own. A request without them cannot be matched to a transaction or a dialog, so it is not
 * relayed: it is counted as malformed (a broken client or a scanner), never passed to the upstream.
 */
import type { SipRequest } from '../../decode/sip/types.js';

/** the first mandatory header that is absent or unusable, or null when the request may be relayed */
export function missingMandatory(req: SipRequest): string | null {
  const top = req.via[0];
  if (top === undefined || top.host === '') return 'Via';
  if (req.from === null) return 'From';
  if (req.to === null) return 'To';
  if (req.callId === null || req.callId.trim() === '') return 'Call-ID';
  if (req.cseq === null || req.cseq.method !== req.method) return 'CSeq';
  return null;
}
