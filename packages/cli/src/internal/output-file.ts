/**
 * Writes a file the command creates (--html, init's --out): into a private file first, then renamed over the
 * target, so a failed run leaves no half file. A target that exists and is not a regular file (a symbolic link, a
 * device, a folder) is refused: outputs never overwrite what they did not create.
 */
import { lstat, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from './command.js';

export async function writeOutputFile(file: string, content: string, flag: string): Promise<void> {
  const info = await lstat(file).catch(() => undefined);
  if (info !== undefined && !info.isFile()) {
    const what = info.isSymbolicLink()
      ? 'a symbolic link'
      : info.isDirectory()
        ? 'a folder'
        : 'not a regular file';
    throw new UsageError(`${flag} ${file}: refusing to write there: it is ${what}`);
  }
  const partial = `${file}.${process.pid}.partial`;
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(partial, content, { flag: 'wx' });
    await rename(partial, file);
  } catch (error) {
    await rm(partial, { force: true });
    throw new UsageError(
      `${flag} ${file}: cannot write: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}
