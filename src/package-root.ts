/**
 * The directory of voipready's package.json, found by walking up from this module: the same answer
 * whether the code runs from src/ (tests), dist/ (tsc output) or the bundled CLI in dist/cli-bundle/,
 * so files shipped with the package (package.json, dist/wasm/*.wasm) are found from any of them.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packageRoot(): string {
  if (root === undefined) {
    let dir = dirname(fileURLToPath(import.meta.url));
    while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
    root = dir;
  }
  return root;
}

/** a file of the package, by its path from the package root */
export function packageFile(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}
