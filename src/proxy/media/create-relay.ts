/**
 * The media relay this build can run: on the udp_tos addon's sockets when the addon was built (DSCP
 * read and marked, kernel receive stamps, the proxy's added delay), else on Node's dgram, which says
 * DSCP is unknown. `why` is what the proxy prints when it falls back.
 */
import { addonProblem, loadAddon } from '../../probe/socket.js';
import { NativeRelay, loadRelayAddon, relayAddonProblem } from './native-relay.js';
import type { MediaRelay, MediaRelayOptions } from './relay.js';
import { SocketRelay } from './socket-relay.js';

export interface CreatedRelay {
  relay: MediaRelay;
  /** why the relay is not the native one; null when it is */
  why: string | null;
}

/** the best relay up to `prefer`: loop (the native forwarding thread) > native (addon sockets) > dgram */
export function createMediaRelay(opts: MediaRelayOptions, prefer: 'loop' | 'native' | 'dgram' = 'loop'): CreatedRelay {
  const whys: string[] = [];
  if (prefer === 'loop') {
    const a = loadRelayAddon();
    if (a !== null) return { relay: new NativeRelay(a, opts), why: null };
    whys.push(`no forwarding loop: ${relayAddonProblem()}`);
  }
  if (prefer !== 'dgram') {
    if (loadAddon() !== null) return { relay: new SocketRelay(opts, 'native'), why: whys.length > 0 ? whys.join('; ') : `${prefer} relay asked for` };
    whys.push(`the native addon is not available: ${addonProblem()}`);
  }
  return { relay: new SocketRelay(opts, 'dgram'), why: whys.length > 0 ? whys.join('; ') : 'dgram relay asked for' };
}
