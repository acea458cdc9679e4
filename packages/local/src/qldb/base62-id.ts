/**
 * R-QLDB-3: QLDB's ids (ExportId, strandId, transactionId) are 128-bit UUIDs as 22 Base62 characters
 * (API_JournalS3ExportDescription: fixed length 22, `^[A-Za-z-0-9]+$`); 62^22 > 2^128, so 22 digits always suffice.
 */
import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const ID_LENGTH = 22;
export const BASE62_ID = /^[0-9A-Za-z]{22}$/;

/** 16 bytes as 22 Base62 digits (left-padded with '0'). */
export function base62Of(bytes: Buffer): string {
  let n = BigInt(`0x${bytes.subarray(0, 16).toString('hex') || '0'}`);
  let out = '';
  while (n > 0n) {
    out = ALPHABET[Number(n % 62n)]! + out;
    n /= 62n;
  }
  return out.padStart(ID_LENGTH, '0');
}

/** A fresh random id (an export, a transaction). */
export function randomId(): string {
  return base62Of(randomBytes(16));
}

/** An id derived from a text (a ledger's strand): the same text, the same id. */
export function derivedId(text: string): string {
  return base62Of(createHash('sha256').update(text).digest());
}
