/**
 * Where a range of a file starts for parallel reading (range-job.ts): the first non-blank line at or after its
 * nominal offset. A guess (a newline may sit inside a quoted field), proven by the replay (range-load.ts).
 */
import { open } from 'node:fs/promises';

const NL = 10;
const CR = 13;

/** The first line start at or after `nominal` whose line is not blank (R-CSV-4: blank lines are skipped). */
export async function firstLineStart(path: string, nominal: number, size: number): Promise<number> {
  if (nominal <= 0) return 0;
  const handle = await open(path, 'r');
  try {
    const block = Buffer.allocUnsafe(64 * 1024);
    let pos = nominal - 1; // the byte before: a newline there means `nominal` starts a line
    let atLineStart = false;
    for (;;) {
      if (pos >= size) return size;
      const { bytesRead } = await handle.read(block, 0, block.length, pos);
      if (bytesRead === 0) return size;
      let i = 0;
      if (!atLineStart) {
        const nl = block.subarray(0, bytesRead).indexOf(NL);
        if (nl === -1) {
          pos += bytesRead;
          continue;
        }
        i = nl + 1;
        atLineStart = true;
      }
      // Skip blank lines: `\n` or `\r\n`.
      while (i < bytesRead) {
        if (block[i] === NL) i++;
        else if (block[i] === CR && i + 1 < bytesRead && block[i + 1] === NL) i += 2;
        else if (block[i] === CR && i + 1 === bytesRead && i > 0)
          break; // the block ends on a CR: read again from it to see what follows
        else return pos + i; // data; or a CR that is the file's last byte (a one-byte read: a lone CR is a row)
      }
      pos += i;
    }
  } finally {
    await handle.close();
  }
}
