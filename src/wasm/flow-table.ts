/**
 * AssemblyScript: the fast path's bindings, (source, destination, ports, SSRC) of an IPv4 RTP flow ->
 * its stream's record number, and the endpoints any binding names. Open addressing in this module's
 * memory, from the start of the heap up to FLOW_TABLE_END. Only the TypeScript pipeline adds
 * bindings (after classifying a packet of the flow itself) and drops them (when an SDP names an endpoint).
 */

/**
 * binding table: open addressing, 32-byte entries. It starts small (it is probed for every packet: a
 * small table stays in the CPU cache) and doubles when half full, up to MAX_SLOTS; beyond that it is
 * cleared and rebuilt lazily by the TypeScript path.
 */
const MIN_SLOTS: u32 = 1024;
const MAX_SLOTS: u32 = 65536;
const ENTRY: u32 = 32;
const EMPTY: u32 = 0;
const LIVE: u32 = 1;
const DELETED: u32 = 2;

/** endpoints named by any binding (so an SDP for an endpoint without bindings costs no table scan) */
const EP_SLOTS: u32 = 8192;

const BASE: u32 = (<u32>__heap_base + 63) & ~63;
const TABLE: u32 = BASE;
/** the old table while it is rehashed into a larger one */
const REHASH: u32 = TABLE + MAX_SLOTS * ENTRY;
const EPSET: u32 = REHASH + (MAX_SLOTS / 2) * ENTRY;
/** where the memory after the flow table begins */
export const FLOW_TABLE_END: u32 = EPSET + EP_SLOTS * 8;

let slots: u32 = MIN_SLOTS;
/** entries live or deleted (a deleted one still lengthens probes until the table is rebuilt) */
let used: u32 = 0;

@inline function mix(h: u32): u32 {
  h ^= h >> 16;
  h *= 0x7feb352d;
  h ^= h >> 15;
  h *= 0x846ca68b;
  h ^= h >> 16;
  return h;
}

@inline function slotOf(src: u32, dst: u32, ports: u32, ssrc: u32): u32 {
  return mix(src * 0x9e3779b1 ^ dst * 0x85ebca77 ^ ports * 0xc2b2ae3d ^ ssrc * 0x27d4eb2f) & (slots - 1);
}

/** the entry of (src, dst, ports, ssrc), or 0 */
export function findFlow(src: u32, dst: u32, ports: u32, ssrc: u32): u32 {
  const mask = slots - 1;
  let i = slotOf(src, dst, ports, ssrc);
  for (let n: u32 = 0; n < slots; n++) {
    const e = TABLE + i * ENTRY;
    const state = load<u32>(e + 16);
    if (state == EMPTY) return 0;
    if (state == LIVE && load<u32>(e) == src && load<u32>(e + 4) == dst && load<u32>(e + 8) == ports && load<u32>(e + 12) == ssrc) return e;
    i = (i + 1) & mask;
  }
  return 0;
}

/** the stream record number of an entry findFlow() answered */
@inline export function streamOf(e: u32): u32 {
  return load<u32>(e + 20);
}

/** bind (src, dst, ports, ssrc) to a stream record number (it is not bound yet) */
export function bindFlow(src: u32, dst: u32, ports: u32, ssrc: u32, stream: u32): void {
  if (used >= slots / 2) {
    if (slots < MAX_SLOTS) grow();
    else clear();
  }
  insert(src, dst, ports, ssrc, stream);
  addEndpoint(src, ports >> 16);
  addEndpoint(dst, ports & 0xffff);
}

function insert(src: u32, dst: u32, ports: u32, ssrc: u32, stream: u32): void {
  const mask = slots - 1;
  let i = slotOf(src, dst, ports, ssrc);
  for (;;) {
    const e = TABLE + i * ENTRY;
    const state = load<u32>(e + 16);
    if (state != LIVE) {
      if (state == EMPTY) used++;
      store<u32>(e, src);
      store<u32>(e + 4, dst);
      store<u32>(e + 8, ports);
      store<u32>(e + 12, ssrc);
      store<u32>(e + 16, LIVE);
      store<u32>(e + 20, stream);
      return;
    }
    i = (i + 1) & mask;
  }
}

/** twice the slots; the live entries move over, the deleted ones are dropped */
function grow(): void {
  const old = slots;
  memory.copy(REHASH, TABLE, old * ENTRY);
  slots = old * 2;
  memory.fill(TABLE, 0, slots * ENTRY);
  used = 0;
  for (let i: u32 = 0; i < old; i++) {
    const e = REHASH + i * ENTRY;
    if (load<u32>(e + 16) == LIVE) insert(load<u32>(e), load<u32>(e + 4), load<u32>(e + 8), load<u32>(e + 12), load<u32>(e + 20));
  }
}

@inline function epKey(addr4: u32, port: u32): u64 {
  return ((<u64>addr4 << 16) | <u64>port) + 1;
}

function epSlot(k: u64): u32 {
  return mix(<u32>k ^ mix(<u32>(k >> 32))) & (EP_SLOTS - 1);
}

function addEndpoint(addr4: u32, port: u32): void {
  const k = epKey(addr4, port);
  let i = epSlot(k);
  for (let n: u32 = 0; n < EP_SLOTS; n++) {
    const p = EPSET + i * 8;
    const v = load<u64>(p);
    if (v == k) return;
    if (v == 0) {
      store<u64>(p, k);
      return;
    }
    i = (i + 1) & (EP_SLOTS - 1);
  }
  // full: forget every binding rather than lose track of one
  clear();
}

function hasEndpoint(addr4: u32, port: u32): bool {
  const k = epKey(addr4, port);
  let i = epSlot(k);
  for (let n: u32 = 0; n < EP_SLOTS; n++) {
    const v = load<u64>(EPSET + i * 8);
    if (v == k) return true;
    if (v == 0) return false;
    i = (i + 1) & (EP_SLOTS - 1);
  }
  return false;
}

/** drop every binding with addr4:port as its source or destination (an SDP just named it) */
export function unbindEndpoint(addr4: u32, port: u32): void {
  if (!hasEndpoint(addr4, port)) return;
  for (let i: u32 = 0; i < slots; i++) {
    const e = TABLE + i * ENTRY;
    if (load<u32>(e + 16) != LIVE) continue;
    const ports = load<u32>(e + 8);
    if ((load<u32>(e) == addr4 && ports >> 16 == port) || (load<u32>(e + 4) == addr4 && (ports & 0xffff) == port)) {
      store<u32>(e + 16, DELETED);
    }
  }
}

/** drop every binding to stream record `stream` (it was retired; its record will be reused) */
export function unbindStream(stream: u32): void {
  for (let i: u32 = 0; i < slots; i++) {
    const e = TABLE + i * ENTRY;
    if (load<u32>(e + 16) == LIVE && load<u32>(e + 20) == stream) store<u32>(e + 16, DELETED);
  }
}

/** forget every binding */
export function clear(): void {
  memory.fill(TABLE, 0, slots * ENTRY);
  memory.fill(EPSET, 0, EP_SLOTS * 8);
  slots = MIN_SLOTS;
  used = 0;
}
