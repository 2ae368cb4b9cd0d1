#!/usr/bin/env node
// Micro-benchmark of the SIP/SDP path on real bytes: every SIP-over-UDP message of the capture
// (ports 5060/5061/5080), copied out first, then parsed (parseSipMessage), their SDP bodies parsed
// (parseSdp), and parse + CallTracker.push in capture order as the pipeline does it.
// Cold numbers matter here: a capture has a few thousand SIP messages, so most of the cost is paid
// while V8 still interprets or baseline-compiles the parser. Each cold number therefore comes from
// a fresh child process (one stage per process, nothing warmed before it); warm numbers are the
// best of 5 further runs in the same process. Run by `npm run bench` after the build; alone:
// `node test/bench/sip.bench.mjs [capture.pcap]`. VOIPREADY_DIST=/path/to/dist for another build.
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const dist = resolve(process.env.VOIPREADY_DIST ?? new URL('../../dist', import.meta.url).pathname);
const load = (p) => import(pathToFileURL(`${dist}/${p}`).href);
const SELF = fileURLToPath(import.meta.url);
const SIP_PORTS = new Set([5060, 5061, 5080]);
const STAGES = ['parse', 'sdp', 'signalling'];

/** SIP-over-UDP messages (copies) with the meta the tracker wants */
async function collect(path) {
  const { readCaptureFile } = await load('capture/file-source.js');
  const { AddressTable } = await load('decode/ip/address-table.js');
  const { FrameDecoder } = await load('decode/frame-decoder.js');
  const { PacketInfo } = await load('decode/packet-info.js');
  const addresses = new AddressTable();
  const dec = new FrameDecoder(addresses);
  const p = new PacketInfo();
  const out = [];
  readCaptureFile(path, (rec) => {
    if (dec.decode(rec, p) !== 'ok' || p.proto !== 17) return;
    if (!SIP_PORTS.has(p.srcPort) && !SIP_PORTS.has(p.dstPort)) return;
    out.push({
      buf: Buffer.from(p.buf.subarray(p.payloadStart, p.payloadEnd)),
      meta: {
        num: p.num, epochMs: p.tsSec * 1000 + p.tsNsec / 1e6, transport: 'udp', dscp: p.dscp,
        srcAddr: addresses.format(p.srcAddr), srcPort: p.srcPort, dstAddr: addresses.format(p.dstAddr), dstPort: p.dstPort,
      },
    });
  });
  return out;
}

/** one pass of a stage over all messages: returns its operation count */
async function stageRunner(stage, msgs) {
  const { parseSipMessage } = await load('decode/sip/parse.js');
  if (stage === 'parse') {
    return () => {
      let ok = 0;
      for (const m of msgs) if (parseSipMessage(m.buf, 0, m.buf.length).ok) ok++;
      return ok;
    };
  }
  if (stage === 'sdp') {
    const { parseSdp } = await load('decode/sdp.js');
    // bodies found with a plain scan, so that the parser stays cold for this stage
    const bodies = [];
    for (const m of msgs) {
      const i = m.buf.indexOf('\r\n\r\nv=0');
      if (i >= 0) bodies.push(m.buf.subarray(i + 4));
    }
    return () => {
      let ok = 0;
      for (const b of bodies) if (parseSdp(b).ok) ok++;
      return ok;
    };
  }
  const { CallTracker } = await load('track/calls.js');
  return () => {
    let media = 0;
    const tracker = new CallTracker({ onMedia: () => { media++; } });
    for (const m of msgs) {
      const r = parseSipMessage(m.buf, 0, m.buf.length);
      if (r.ok) tracker.push(r.message, m.meta);
    }
    tracker.flush(0);
    if (media === 0) throw new Error('no media announced: the capture has no SDP');
    return msgs.length;
  };
}

/** child: time one stage cold (first pass), then warm (best of 5) */
async function child(path, stage) {
  const msgs = await collect(path);
  const fn = await stageRunner(stage, msgs);
  let t = performance.now();
  const ops = fn();
  const coldMs = performance.now() - t;
  let warmMs = Infinity;
  const reps = Number(process.env.SIP_BENCH_WARM_RUNS ?? 5); // 0: cold pass only (for --cpu-prof)
  for (let i = 0; i < reps; i++) {
    t = performance.now();
    fn();
    warmMs = Math.min(warmMs, performance.now() - t);
  }
  return { stage, messages: msgs.length, ops, coldMs, warmMs };
}

const LABEL = {
  parse: 'parseSipMessage, every SIP/UDP message',
  sdp: 'parseSdp, every SDP body',
  signalling: 'parse + CallTracker.push (SDP included), capture order',
};

/** `npm run bench` plugin (test/bench/run.mjs): one row per stage, each from a fresh process */
export async function run(ctx) {
  const rows = [];
  for (const stage of STAGES) {
    const r = spawnSync(process.execPath, [SELF, '--child', stage, ctx.capturePath], {
      encoding: 'utf8', env: { ...process.env, VOIPREADY_DIST: dist },
    });
    if (r.status !== 0) throw new Error(`sip bench child ${stage} failed: ${r.stderr}`);
    const c = JSON.parse(r.stdout);
    rows.push({
      bench: LABEL[stage], ops: c.ops, messages: c.messages,
      coldMs: +c.coldMs.toFixed(1), warmMs: +c.warmMs.toFixed(1),
      coldUsPerOp: +((c.coldMs * 1000) / Math.max(1, c.ops)).toFixed(2),
      warmUsPerOp: +((c.warmMs * 1000) / Math.max(1, c.ops)).toFixed(2),
    });
  }
  return rows;
}

if (process.argv[2] === '--child') {
  process.stdout.write(JSON.stringify(await child(process.argv[4], process.argv[3])));
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const path = process.argv[2] ?? '/tmp/voipready-bench/bench-v1-334.pcap';
  console.table(await run({ capturePath: path, packets: 0, tmpDir: '' }));
}
