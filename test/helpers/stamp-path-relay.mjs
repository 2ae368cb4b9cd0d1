#!/usr/bin/env node
/**
 * Test-only: a seeded, delaying, dropping UDP relay for the STAMP probe e2e test (the network's path;
 * `tc netem` is not available here). Runs in the middle namespace: datagrams to --listen are held
 * --delay-fwd ms and forwarded to --to from --out-ip; replies are held --delay-back ms and sent back
 * to the original source. Forward datagram k is dropped when k % round(1 / --loss-fwd) equals a phase
 * drawn from the mulberry32 PRNG (--seed): exactly that share, at seeded places. The IP TOS byte is carried over with voipready's native socket (native/), so DSCP
 * marking and re-marking on either side are seen end to end. Holding is precise to ~0.1 ms (a timer
 * to 2 ms before the due time, then a short spin). Prints {"ready":true} and, on SIGTERM,
 * {"truth":{forward:{received,dropped,meanHoldMs},backward:{...}}}.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const a = parseArgs(process.argv.slice(2));
const addon = createRequire(import.meta.url)(fileURLToPath(new URL('../../native/build/Release/udp_tos.node', import.meta.url)));
const listen = endpoint(a.listen);
const to = endpoint(a.to);
const delay = { forward: Number(a['delay-fwd'] ?? 0), backward: Number(a['delay-back'] ?? 0) };
const lossFwd = Number(a['loss-fwd'] ?? 0);
const rand = mulberry32(Number(a.seed ?? 1));
const every = lossFwd > 0 ? Math.round(1 / lossFwd) : 0;
const phase = every > 0 ? Math.floor(rand() * every) : -1;
const truth = { forward: { received: 0, dropped: 0, holdSum: 0, sent: 0 }, backward: { received: 0, dropped: 0, holdSum: 0, sent: 0 } };
let client = null;

const now = () => { const [s, ns] = addon.now(); return s * 1000 + ns / 1e6; };
const inbound = addon.create(4, (buf, tos, address, port, sec, nsec) => {
  client = { address, port };
  const at = sec * 1000 + nsec / 1e6;
  truth.forward.received++;
  // exactly lossFwd of the packets: packet k dropped when k % every == phase (phase drawn from the seed)
  if (every > 0 && (truth.forward.received - 1) % every === phase) { truth.forward.dropped++; return; }
  hold('forward', at, () => addon.send(outbound, buf, to.ip, to.port, Math.max(0, tos)));
});
const outbound = addon.create(4, (buf, tos, address, port, sec, nsec) => {
  const at = sec * 1000 + nsec / 1e6;
  truth.backward.received++;
  if (client === null) return;
  const c = client;
  hold('backward', at, () => addon.send(inbound, buf, c.address, c.port, Math.max(0, tos)));
});
addon.bind(inbound, listen.ip, listen.port);
addon.bind(outbound, a['out-ip'], 0);
out({ ready: true });

function hold(dir, at, send) {
  const due = at + delay[dir];
  const fire = () => {
    while (now() < due) { /* spin the last ~2 ms */ }
    const t = now();
    send();
    truth[dir].sent++;
    truth[dir].holdSum += t - at;
  };
  const wait = due - now() - 2;
  if (wait > 0) setTimeout(fire, wait); else fire();
}

function finish() {
  const t = {};
  for (const [k, v] of Object.entries(truth)) t[k] = { received: v.received, dropped: v.dropped, sent: v.sent, meanHoldMs: v.sent ? v.holdSum / v.sent : null };
  out({ truth: t });
  addon.close(inbound);
  addon.close(outbound);
  setTimeout(() => process.exit(0), 50);
}
process.on('SIGTERM', finish);
process.on('SIGINT', finish);

function out(o) { process.stdout.write(`${JSON.stringify(o)}\n`); }
function endpoint(t) { const m = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(t ?? ''); if (!m) throw new Error(`bad endpoint ${t}`); return { ip: m[1], port: Number(m[2]) }; }
function parseArgs(argv) { const o = {}; for (let i = 0; i < argv.length; i += 2) o[argv[i].replace(/^--/, '')] = argv[i + 1]; return o; }
function mulberry32(seed) { let s = seed >>> 0; return () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; }; }
