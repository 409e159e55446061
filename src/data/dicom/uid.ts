/**
 * UIDs under the 2.25 root (PS3.5 B.2): '2.25.' followed by a 128-bit UUID as one decimal
 * integer, which needs no registered organisation root.
 */

import { createHash, randomUUID } from 'node:crypto';

/** The implementation class UID in the file meta group of files we write. */
export const IMPLEMENTATION_CLASS_UID = '2.25.193777487199396480904561895283257246618';
export const IMPLEMENTATION_VERSION_NAME = 'CYCLEGAN_TS_0_1';

function fromHex(hex: string): string {
  return `2.25.${BigInt(`0x${hex}`).toString(10)}`;
}

/** A new random UID (from a version 4 UUID). */
export function randomUid(): string {
  return fromHex(randomUUID().replace(/-/g, ''));
}

/**
 * A UID that is a one-way function of `parts` (a name-based, version 8 UUID from SHA-256), so
 * that every image derived from one source series in one way lands in the same new series
 * without the source UID appearing in the output.
 */
export function derivedUid(...parts: string[]): string {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  digest[6] = (digest[6] & 0x0f) | 0x80; // version 8
  digest[8] = (digest[8] & 0x3f) | 0x80; // RFC 4122 variant
  return fromHex(digest.subarray(0, 16).toString('hex'));
}
