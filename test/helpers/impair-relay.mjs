#!/usr/bin/env node
/**
 * A seeded, impairing RTP relay for the live sipp e2e test (test/e2e/sipp-live.test.ts). It runs as its own
 * node process inside the caller's network namespace (`ip netns exec NS node impair-relay.mjs ...`), because
 * a node process cannot enter a namespace itself.
 *
 *   sipp UAC --raw RTP to callee:16000--> iptables nat OUTPUT DNAT --> relay --listen
 *   relay --from --out-ip:P (P = the UAC's media port, as in its SDP)--> callee (--to)
 *   callee's echo --> --out-ip:P --> counted here, not passed on (sipp's UAC never reads it)
 *
 * So the callee sees the caller's SDP address and port, and the packets leave through the caller
 * namespace's mangle OUTPUT (its DSCP marking applies). The drop rule is known in advance and recorded:
 * per stream of payload type --pt, packet k (0-based) is dropped when k % --every == phase, with phase
 * drawn from a mulberry32 PRNG seeded by --seed, one draw per stream in order of first packet.
 *
 * Prints one JSON line {"ready":true,...} when listening, and one {"truth":{...}} line on SIGTERM/SIGINT
 * or after --max-seconds, then exits. Node's dgram cannot set or read IP TOS, hence the iptables marking.
 */
import dgram from 'node:dgram';

const args = parseArgs(process.argv.slice(2));
const listen = endpoint(args.listen);
const to = endpoint(args.to);
const outIp = args['out-ip'];
const every = Number(args.every ?? 25);
const pt = Number(args.pt ?? 8);
const rand = mulberry32(Number(args.seed ?? 1));
const maxSeconds = Number(args['max-seconds'] ?? 60);

/** per UAC media port: the socket that speaks for it, and packets waiting for its bind */
const flows = new Map();
/** per `${port}/${ssrc}`: what was forwarded and dropped */
const streams = new Map();
let finished = false;

const inbound = dgram.createSocket('udp4');
inbound.on('message', (msg, rinfo) => relay(msg, rinfo.port));
inbound.on('error', (err) => fail(`listen socket: ${err.message}`));
inbound.bind(listen.port, listen.ip, () => {
  out({ ready: true, listen: args.listen, to: args.to, every, pt, seed: Number(args.seed ?? 1) });
});

process.on('SIGTERM', finish);
process.on('SIGINT', finish);
setTimeout(finish, maxSeconds * 1000).unref();

function relay(msg, port) {
  if (msg.length < 12 || msg[0] >> 6 !== 2) {
    return;
  }
  const ssrc = msg.readUInt32BE(8);
  const seq = msg.readUInt16BE(2);
  const s = stream(port, ssrc, msg[1] & 0x7f);
  let drop = false;
  if (s.payloadType === pt) {
    if (s.phase === null) {
      s.phase = 1 + Math.floor(rand() * (every - 1));
    }
    drop = s.seen % every === s.phase;
    s.seen++;
  }
  if (drop) {
    s.droppedSeqs.push(seq);
    return;
  }
  s.forwarded++;
  s.firstSeq ??= seq;
  s.lastSeq = seq;
  send(port, msg);
}

function stream(port, ssrc, payloadType) {
  const key = `${port}/${ssrc}`;
  let s = streams.get(key);
  if (s === undefined) {
    s = { srcPort: port, ssrc: `0x${ssrc.toString(16).padStart(8, '0')}`, payloadType, phase: null, seen: 0,
      forwarded: 0, firstSeq: null, lastSeq: null, droppedSeqs: [], echoes: 0 };
    streams.set(key, s);
  }
  return s;
}

function send(port, msg) {
  let f = flows.get(port);
  if (f === undefined) {
    const socket = dgram.createSocket('udp4');
    f = { socket, queue: [], bound: false };
    flows.set(port, f);
    socket.on('message', (echo) => countEcho(port, echo));
    socket.on('error', (err) => fail(`socket ${outIp}:${port}: ${err.message}`));
    socket.bind(port, outIp, () => {
      f.bound = true;
      for (const m of f.queue.splice(0)) {
        socket.send(m, to.port, to.ip);
      }
    });
  }
  if (f.bound) {
    f.socket.send(msg, to.port, to.ip);
  } else {
    f.queue.push(msg);
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
  const truth = [...streams.values()].map(({ seen, phase, ...rest }) => ({ ...rest, phase }));
  out({ truth });
  inbound.close();
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

function endpoint(text) {
  const m = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(text ?? '');
  if (m === null) {
    throw new Error(`impair-relay: expected IPv4:port, got ${text}`);
  }
  return { ip: m[1], port: Number(m[2]) };
}

function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i += 2) {
    o[argv[i].replace(/^--/, '')] = argv[i + 1];
  }
  return o;
}

/** mulberry32: a tiny seeded PRNG, enough to pick a reproducible phase */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
