/**
 * The branch of the proxy's own Via (RFC 3261 16.6 step 8, 16.11): derived from the request's top
 * Via (branch and sent-by) and a secret of this process, not random. So a retransmitted request
 * gets the same branch (the upstream sees a retransmission, not a new transaction), and a CANCEL or
 * the ACK of a non-2xx, which carry the INVITE's branch, get the INVITE's branch too: they match
 * the upstream's INVITE transaction hop by hop without the proxy holding timers. The prefix says a
 * response's top Via is ours.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { SipRequest } from '../../decode/sip/types.js';

export const BRANCH_PREFIX = 'z9hG4bK-vrp-';
const SECRET = randomBytes(16).toString('hex');

export function branchFor(req: SipRequest): string {
  const v = req.via[0];
  // RFC 2543 peers (no magic cookie): the transaction is Call-ID, CSeq number, From tag and Request-URI
  const basis = v?.branch?.startsWith('z9hG4bK') === true
    ? `${v.branch}|${v.host}:${v.port ?? ''}`
    : `${req.callId ?? ''}|${req.cseq?.seq ?? ''}|${req.from?.tag ?? ''}|${req.requestUri}|${v?.host ?? ''}`;
  return BRANCH_PREFIX + createHash('sha1').update(SECRET).update(basis).digest('hex').slice(0, 20);
}

export function isOurBranch(branch: string | null): boolean {
  return branch !== null && branch.startsWith(BRANCH_PREFIX);
}
