import { readFileSync } from 'node:fs';
import { packageFile } from './package-root.js';

/** read once from package.json so --version and the JSON report never disagree with the package */
export const VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();
