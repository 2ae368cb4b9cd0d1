/** the Internet checksum moved to src/encode/checksum.ts (the recorder writes IP headers too) */
export { onesSum, finishChecksum, internetChecksum } from '../encode/checksum.js';
