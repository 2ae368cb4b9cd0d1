#!/usr/bin/env node
/**
 * Builds the optional DSCP socket addon (native/udp_tos.c) with npm's own node-gyp, from source, against
 * the installed Node headers (no download). Fail-soft: without a compiler or headers `npm install` still
 * succeeds and `voipready probe` reports DSCP as unknown. VOIPREADY_SKIP_NATIVE=1 skips the build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
if (process.env.VOIPREADY_SKIP_NATIVE === '1' || process.platform !== 'linux') {
  process.exit(0);
}
const gyp = findNodeGyp();
const nodedir = findNodeDir();
if (gyp === null || nodedir === null) {
  console.error(`voipready: native DSCP addon not built (${gyp === null ? 'node-gyp not found' : 'Node headers not found'}); probe DSCP will be reported as unknown`);
  process.exit(0);
}
const r = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`, '--loglevel=warn'], { cwd: here, stdio: ['ignore', 'inherit', 'inherit'] });
if (r.status !== 0) {
  console.error('voipready: native DSCP addon build failed (a C compiler is needed: build-essential); probe DSCP will be reported as unknown');
}
process.exit(0);

function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
    '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    '/usr/share/nodejs/node-gyp/bin/node-gyp.js',
  ];
  return candidates.find((c) => c !== undefined && existsSync(c)) ?? null;
}

/** a directory with include/node/node_api.h (the headers of the running Node) */
function findNodeDir() {
  const candidates = [process.env.npm_config_nodedir, join(dirname(process.execPath), '..'), '/usr', '/usr/local'];
  return candidates.find((c) => c !== undefined && existsSync(join(c, 'include/node/node_api.h')) && existsSync(join(c, 'include/node/common.gypi'))) ?? null;
}
