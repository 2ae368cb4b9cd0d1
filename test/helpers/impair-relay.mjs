#!/usr/bin/env node
/**
 * A seeded userspace UDP impairment relay for one leg of the live e2e tests (test/e2e/sipp-live.test.ts,
 * test/e2e/proxy-impair.test.ts): this kernel has no `tc netem`. It runs as its own node process inside
 * the caller's network namespace (`ip netns exec NS node impair-relay.mjs ...`), because a node process
 * cannot enter a namespace itself.
 *
 *   sipp UAC --raw RTP to D:port--> iptables nat OUTPUT DNAT (one rule per port) --> relay --listen IP:L0-L1
 *   relay --from --out-ip:P (P = the UAC's media port, as in its SDP)--> --to host, port T0 + (L - L0)
 *   whatever comes back to --out-ip:P --> counted as echoes, not passed on (sipp's UAC never reads it)
 *
 * So the far side sees the caller's SDP port, and the packets leave through the caller namespace's
 * mangle OUTPUT (DSCP marking or re-marking is done there with iptables: Node's dgram can neither read
 * nor set IP TOS).
 *
 * Impairments, drawn per stream from its own mulberry32 PRNG (seeded by --seed, the source port and the
 * SSRC), so a stream gets the same drops and delays whatever the other streams do:
 * - delay: each packet is held --delay-ms plus a jitter draw: uniform in +- --jitter-ms, or normal with
 *   sigma --jitter-ms (--dist normal), never below 0. Per-packet delay reorders packets when two draws
 *   differ by more than the packet spacing; --reorder-pct additionally holds that share of packets
 *   --reorder-ms longer (explicit reordering).
 * - loss (only for payload type --pt; default 8, G.711 A-law, so DTMF events stay whole): --loss-pct
 *   drops each packet with that probability; --every N (the old fixed rule) drops packet k (0-based) of
 *   each stream when k % N == phase, the phase drawn once per stream.
 *
 * Its own truth, per stream (source port and SSRC): packets received, the sequence numbers dropped, and
 * every forwarded packet as [seq, RTP timestamp, send time in ms] (process.hrtime, taken right after the
 * send call), so a test computes the RFC 3550 loss and interarrival jitter the far side must see. The
 * truth goes to --truth FILE as JSON on SIGTERM/SIGINT or after --max-seconds (and, without --truth, as
 * one {"truth":[...]} line on stdout without the per-packet list); then the relay exits. Memory is
 * bounded: at most MAX_STREAMS streams and MAX_RECORDS forwarded records per stream are kept (the
 * counters go on; `truncated` says so; packets of further streams are not relayed), and at most MAX_HELD
 * packets wait in the delay line.
 *
 * Prints one JSON line {"ready":true,...} once every socket listens.
 */
import dgram from 'node:dgram';
import { writeFileSync } from 'node:fs';

const MAX_STREAMS = 256;
const MAX_RECORDS = 100_000;
const MAX_HELD = 10_000;

const args = parseArgs(process.argv.slice(2));
const listen = endpointRange(args.listen);
const to = endpointRange(args.to);
const outIp = args['out-ip'];
const every = args.every === undefined ? 0 : Number(args.every);
const lossPct = Number(args['loss-pct'] ?? 0);
const delayMs = Number(args['delay-ms'] ?? 0);
const jitterMs = Number(args['jitter-ms'] ?? 0);
const dist = args.dist ?? 'uniform';
const reorderPct = Number(args['reorder-pct'] ?? 0);
const reorderMs = Number(args['reorder-ms'] ?? 0);
const pt = Number(args.pt ?? 8);
const seed = Number(args.seed ?? 1);
const maxSeconds = Number(args['max-seconds'] ?? 60);
const truthFile = args.truth;
if (dist !== 'uniform' && dist !== 'normal') {
  throw new Error(`impair-relay: --dist must be uniform or normal, got ${dist}`);
}

/** per UAC media port: the socket that speaks for it, and packets waiting for its bind */
const flows = new Map();
/** per `${port}/${ssrc}`: the truth */
const streams = new Map();
const inbound = [];
let held = 0;
let heldDropped = 0;
let finished = false;
const t0 = process.hrtime.bigint();

const ports = listen.last - listen.port + 1;
let bound = 0;
for (let k = 0; k < ports; k++) {
  const sock = dgram.createSocket('udp4');
  const toPort = to.port + k;
  sock.on('message', (msg, rinfo) => relay(msg, rinfo.port, toPort));
  sock.on('error', (err) => fail(`listen socket ${listen.ip}:${listen.port + k}: ${err.message}`));
  sock.bind(listen.port + k, listen.ip, () => {
    if (++bound === ports) {
      out({ ready: true, listen: args.listen, to: args.to, every, lossPct, delayMs, jitterMs, dist, reorderPct, reorderMs, pt, seed });
    }
  });
  inbound.push(sock);
}

process.on('SIGTERM', finish);
process.on('SIGINT', finish);
setTimeout(finish, maxSeconds * 1000).unref();

const nowMs = () => Number(process.hrtime.bigint() - t0) / 1e6;

function relay(msg, port, toPort) {
  if (msg.length < 12 || msg[0] >> 6 !== 2) {
    return;
  }
  const ssrc = msg.readUInt32BE(8);
  const seq = msg.readUInt16BE(2);
  const s = stream(port, ssrc, msg[1] & 0x7f);
  if (s === null) {
    return;
  }
  s.received++;
  if (s.payloadType === pt && drops(s)) {
    s.droppedSeqs.push(seq);
    return;
  }
  const hold = holdMs(s.rand);
  if (hold <= 0) {
    forward(s, port, toPort, msg, seq);
  } else if (held >= MAX_HELD) {
    heldDropped++;
  } else {
    held++;
    setTimeout(() => {
      held--;
      forward(s, port, toPort, msg, seq);
    }, hold);
  }
}

/** whether the loss rules drop this packet of s (one draw per packet for --loss-pct) */
function drops(s) {
  let drop = false;
  if (every > 0) {
    if (s.phase === null) {
      s.phase = 1 + Math.floor(s.rand() * (every - 1));
    }
    drop = s.seen % every === s.phase;
  }
  s.seen++;
  if (lossPct > 0 && s.rand() * 100 < lossPct) {
    drop = true;
  }
  return drop;
}

/** how long to hold one packet: delay + jitter draw (+ the reorder hold for some), never negative */
function holdMs(rand) {
  let d = delayMs;
  if (jitterMs > 0) {
    d += dist === 'normal' ? jitterMs * gaussian(rand) : jitterMs * (2 * rand() - 1);
  }
  if (reorderPct > 0 && rand() * 100 < reorderPct) {
    d += reorderMs;
  }
  return Math.max(0, d);
}

function forward(s, port, toPort, msg, seq) {
  if (finished) {
    return;
  }
  send(port, toPort, msg);
  s.forwarded++;
  s.firstSeq ??= seq;
  s.lastSeq = seq;
  if (s.sent.length < MAX_RECORDS) {
    s.sent.push([seq, msg.readUInt32BE(4), Math.round(nowMs() * 1000) / 1000]);
  } else {
    s.truncated = true;
  }
}

function stream(port, ssrc, payloadType) {
  const key = `${port}/${ssrc}`;
  let s = streams.get(key);
  if (s === undefined) {
    if (streams.size >= MAX_STREAMS) {
      return null;
    }
    s = { srcPort: port, ssrc: `0x${ssrc.toString(16).padStart(8, '0')}`, payloadType, phase: null, seen: 0, received: 0,
      forwarded: 0, firstSeq: null, lastSeq: null, droppedSeqs: [], echoes: 0, sent: [], truncated: false,
      rand: mulberry32((seed ^ Math.imul(port, 0x9e3779b1) ^ ssrc) >>> 0) };
    streams.set(key, s);
  }
  return s;
}

function send(port, toPort, msg) {
  let f = flows.get(port);
  if (f === undefined) {
    const socket = dgram.createSocket('udp4');
    f = { socket, queue: [], bound: false };
    flows.set(port, f);
    socket.on('message', (echo) => countEcho(port, echo));
    socket.on('error', (err) => fail(`socket ${outIp}:${port}: ${err.message}`));
    socket.bind(port, outIp, () => {
      f.bound = true;
      for (const [m, p] of f.queue.splice(0)) {
        socket.send(m, p, to.ip);
      }
    });
  }
  if (f.bound) {
    f.socket.send(msg, toPort, to.ip);
  } else if (f.queue.length < MAX_HELD) {
    f.queue.push([msg, toPort]);
  }
}

function countEcho(port, msg) {
  if (msg.length >= 12) {
    const s = streams.get(`${port}/${msg.readUInt32BE(8)}`);
    if (s !== undefined) {
      s.echoes++;
    }
  }
}

function finish() {
  if (finished) {
    return;
  }
  finished = true;
  const truth = [...streams.values()].map(({ seen, rand, ...rest }) => rest);
  if (truthFile !== undefined) {
    writeFileSync(truthFile, JSON.stringify({ truth, stillHeld: held, heldDropped }));
    out({ truthWritten: truthFile, streams: truth.length, stillHeld: held, heldDropped });
  } else {
    out({ truth: truth.map(({ sent, ...rest }) => rest) });
  }
  for (const s of inbound) {
    s.close();
  }
  for (const f of flows.values()) {
    f.socket.close();
  }
  setTimeout(() => process.exit(0), 50);
}

function fail(message) {
  out({ error: message });
  finish();
}

function out(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

/** "IPv4:port" or "IPv4:first-last" */
function endpointRange(text) {
  const m = /^(\d+\.\d+\.\d+\.\d+):(\d+)(?:-(\d+))?$/.exec(text ?? '');
  if (m === null) {
    throw new Error(`impair-relay: expected IPv4:port or IPv4:first-last, got ${text}`);
  }
  const port = Number(m[2]);
  const last = m[3] === undefined ? port : Number(m[3]);
  if (last < port || last - port > 1000) {
    throw new Error(`impair-relay: bad port range in ${text}`);
  }
  return { ip: m[1], port, last };
}

function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i += 2) {
    o[argv[i].replace(/^--/, '')] = argv[i + 1];
  }
  return o;
}

/** a standard normal draw (Box-Muller) from a seeded PRNG */
function gaussian(rand) {
  const u = 1 - rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** mulberry32: a tiny seeded PRNG, reproducible draws for every impairment */
function mulberry32(seedValue) {
  let a = seedValue >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
