import { createWriteStream, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';

/** mulberry32: a small seeded PRNG, so the same seed always writes the same file. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const FLEET_HEADER = 'timestamp,vehicle,registration,wgt,spd,fuel_consumption,miles';

/**
 * Writes a fleet CSV (the examples/fleet task's columns) of at least `bytes` bytes, seeded; reuses a file made
 * earlier with the same size and seed. Returns its path.
 */
export async function generateFleetCsv(dir: string, bytes: number, seed: number): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `fleet-v2-${bytes}-${seed}.csv`);
  if (existsSync(file) && statSync(file).size >= bytes) return file;
  const random = prng(seed);
  const tmp = `${file}.tmp`;
  const out = createWriteStream(tmp);
  let written = 0;
  let t = 1714521600;
  out.write(`${FLEET_HEADER}\n`);
  while (written < bytes) {
    let chunk = '';
    for (let i = 0; i < 5000; i++) {
      const v = Math.floor(random() * 5000);
      t += 1 + Math.floor(random() * 2); // strictly increasing: no two rows share a key (R-DUP-1)
      chunk +=
        `${t},vehicle-${v},REG-${(v * 7919) % 100000},${(1000 + random() * 9000).toFixed(1)},` +
        `${(random() * 120).toFixed(2)},${(random() * 30).toFixed(3)},${Math.floor(random() * 1e6)}\n`;
    }
    written += chunk.length;
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
  renameSync(tmp, file);
  return file;
}
