/**
 * The probe's UDP socket: the native addon (native/udp_tos.c) when it was built, which sets the DSCP
 * of each datagram sent and reads the DSCP, TTL and kernel receive time of each datagram received;
 * otherwise Node's dgram, which can do none of that (DSCP and TTL are then reported as unknown, and
 * receive times are taken in JavaScript when the event loop gets to the datagram).
 */
import { createSocket } from 'node:dgram';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

export interface Received {
  data: Buffer;
  /** the DSCP of the IP header (TOS >> 2), or null when it cannot be read */
  dscp: number | null;
  ecn: number | null;
  ttl: number | null;
  address: string;
  port: number;
  /** receive time, Unix epoch milliseconds (kernel timestamp with the addon) */
  atMs: number;
}

export interface ProbeSocket {
  /** true when DSCP is set on send and read on receive */
  readonly dscpCapable: boolean;
  bind(address: string, port: number): Promise<number>;
  send(data: Uint8Array, address: string, port: number, dscp: number): void;
  close(): void;
}

export interface ClockState {
  /** the kernel's NTP state says synchronised (null: cannot tell) */
  synchronised: boolean | null;
  /** the kernel's estimated error, seconds (null: unknown) */
  errorSeconds: number | null;
}

interface Addon {
  create(family: number, cb: (buf: Buffer, tos: number, address: string, port: number, sec: number, nsec: number, ttl: number) => void): unknown;
  bind(h: unknown, address: string, port: number): number;
  send(h: unknown, buf: Uint8Array, address: string, port: number, tos: number): number;
  close(h: unknown): void;
  now(): [number, number];
  clockState(): { synchronised: boolean; maxErrorUs: number; estErrorUs: number };
}

let addon: Addon | null | undefined;
let addonError = '';

/** the addon, or null (with addonProblem() saying why) */
export function loadAddon(): Addon | null {
  if (addon === undefined) {
    if (process.env.VOIPREADY_NO_NATIVE === '1') {
      addon = null;
      addonError = 'VOIPREADY_NO_NATIVE=1';
    } else {
      try {
        addon = createRequire(import.meta.url)(join(packageRoot(), 'native/build/Release/udp_tos.node')) as Addon;
      } catch (err) {
        addon = null;
        addonError = `native/build/Release/udp_tos.node not loadable (${(err as Error).message.split('\n')[0]}): run npm install with a C compiler`;
      }
    }
  }
  return addon;
}

export function addonProblem(): string {
  loadAddon();
  return addonError;
}

const hrBase = process.hrtime.bigint();
const wallBase = Date.now();

/** Unix epoch milliseconds with sub-millisecond resolution, on the clock of the receive timestamps */
export function nowMs(): number {
  const a = loadAddon();
  if (a !== null) {
    const [s, ns] = a.now();
    return s * 1000 + ns / 1e6;
  }
  return wallBase + Number(process.hrtime.bigint() - hrBase) / 1e6;
}

export function clockState(): ClockState {
  const a = loadAddon();
  if (a === null) return { synchronised: null, errorSeconds: null };
  const st = a.clockState();
  return { synchronised: st.synchronised, errorSeconds: st.estErrorUs / 1e6 };
}

/** a socket on the addon when it is built (or Node's dgram when `kind` says so or it is not) */
export function openSocket(family: 4 | 6, onMessage: (m: Received) => void, kind: 'native' | 'dgram' = 'native'): ProbeSocket {
  const a = kind === 'native' ? loadAddon() : null;
  return a !== null ? nativeSocket(a, family, onMessage) : dgramSocket(family, onMessage);
}

function nativeSocket(a: Addon, family: 4 | 6, onMessage: (m: Received) => void): ProbeSocket {
  const h = a.create(family, (buf, tos, address, port, sec, nsec, ttl) => {
    onMessage({
      data: buf, dscp: tos < 0 ? null : tos >> 2, ecn: tos < 0 ? null : tos & 3, ttl: ttl < 0 ? null : ttl,
      address, port, atMs: sec * 1000 + nsec / 1e6,
    });
  });
  let closed = false;
  return {
    dscpCapable: true,
    bind: async (address, port) => a.bind(h, address, port),
    send: (data, address, port, dscp) => {
      if (!closed) a.send(h, data, address, port, (dscp & 0x3f) << 2);
    },
    close: () => {
      if (!closed) a.close(h);
      closed = true;
    },
  };
}

function dgramSocket(family: 4 | 6, onMessage: (m: Received) => void): ProbeSocket {
  const s = createSocket(family === 6 ? 'udp6' : 'udp4');
  s.on('message', (data, rinfo) => {
    onMessage({ data, dscp: null, ecn: null, ttl: null, address: rinfo.address, port: rinfo.port, atMs: nowMs() });
  });
  s.on('error', () => undefined);
  let closed = false;
  return {
    dscpCapable: false,
    bind: (address, port) => new Promise((resolve, reject) => {
      s.once('error', reject);
      s.bind(port, address, () => resolve(s.address().port));
    }),
    send: (data, address, port) => {
      if (!closed) s.send(data, port, address);
    },
    close: () => {
      if (!closed) s.close();
      closed = true;
    },
  };
}
