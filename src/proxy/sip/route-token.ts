/**
 * The flows a dialog lives on, carried in the proxy's own Record-Route URI (hex, because a URI
 * parameter value may not hold ":" and IPv6 does):
 * - `vrflow`: the client side's flow: an in-dialog request from the upstream (a BYE from the PBX)
 *   comes back with the Route and is sent on that flow, where a phone behind NAT is reachable,
 *   whatever its Contact says;
 * - `vrup`: the upstream that took the dialog (with several `--upstream`s): an in-dialog request from
 *   the client goes to that one, never to another PBX that knows nothing of the dialog.
 */
import type { Flow } from './transport.js';

export const FLOW_PARAM = 'vrflow';
export const UPSTREAM_PARAM = 'vrup';

export function encodeFlow(f: Flow): string {
  return Buffer.from(`${f.transport}|${f.address}|${f.port}`, 'utf8').toString('hex');
}

export function decodeFlow(token: string): Flow | null {
  if (!/^[0-9a-f]+$/i.test(token) || token.length > 200) return null;
  const [t, address, port] = Buffer.from(token, 'hex').toString('utf8').split('|');
  const p = Number(port);
  if ((t !== 'udp' && t !== 'tcp' && t !== 'tls') || address === undefined || address === '' || !Number.isInteger(p) || p <= 0 || p > 65535) return null;
  return { transport: t, address, port: p };
}
