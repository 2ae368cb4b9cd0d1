/**
 * Optional protection for the HTTP endpoints, for deployments where the port is exposed (an SSH
 * tunnel to a cloud PBX forwarding the monitoring port into the customer's network).
 * Comparisons are constant-time over SHA-256 digests, so neither length nor prefix leaks.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AuthConfig } from '../../config/options/serve.js';

export type { AuthConfig };

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

export function authEnabled(auth: AuthConfig | undefined): boolean {
  return auth !== undefined && (auth.bearerToken !== undefined || auth.basic !== undefined);
}

/** true when the Authorization header satisfies one of the configured schemes */
export function checkAuthorization(header: string | undefined, auth: AuthConfig | undefined): boolean {
  if (!authEnabled(auth) || auth === undefined) return true;
  if (header === undefined) return false;
  const space = header.indexOf(' ');
  if (space < 0) return false;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer' && auth.bearerToken !== undefined) return safeEqual(value, auth.bearerToken);
  if (scheme === 'basic' && auth.basic !== undefined) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    // evaluate both so timing does not tell which one was wrong
    const userOk = safeEqual(decoded.slice(0, colon), auth.basic.username);
    const passOk = safeEqual(decoded.slice(colon + 1), auth.basic.password);
    return userOk && passOk;
  }
  return false;
}

/** the WWW-Authenticate challenge for a 401 */
export function challenge(auth: AuthConfig): string {
  return auth.basic !== undefined ? 'Basic realm="voipready", charset="UTF-8"' : 'Bearer realm="voipready"';
}
