/**
 * The media relay this build can run: on the udp_tos addon's sockets when the addon was built (DSCP
 * read and marked, kernel receive stamps, the proxy's added delay), else on Node's dgram, which says
 * DSCP is unknown. `why` is what the proxy prints when it falls back.
 */
import { addonProblem, loadAddon } from '../../probe/socket.js';
import type { MediaRelay, MediaRelayOptions } from './relay.js';
import { SocketRelay } from './socket-relay.js';

export interface CreatedRelay {
  relay: MediaRelay;
  /** why the relay is not the native one; null when it is */
  why: string | null;
}

export function createMediaRelay(opts: MediaRelayOptions, prefer: 'native' | 'dgram' = 'native'): CreatedRelay {
  if (prefer === 'native' && loadAddon() !== null) return { relay: new SocketRelay(opts, 'native'), why: null };
  const why = prefer === 'dgram' ? 'dgram relay asked for' : `the native addon is not available: ${addonProblem()}`;
  return { relay: new SocketRelay(opts, 'dgram'), why };
}
