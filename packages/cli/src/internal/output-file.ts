/**
 * Writes a whole file a command creates (--html, init's --out) through the same safe output as `tsbatch export`: a
 * private file beside the target, renamed over it once complete, so a failed run leaves no half file; a target that
 * exists and is not a regular file (a symbolic link, a device, a folder) is refused, before and again just before the
 * rename: outputs never overwrite what they did not create.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from './cli-error.js';
import { openExportOutput, OutputError } from './export-output.js';

export async function writeOutputFile(file: string, content: string, flag: string): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    const output = await openExportOutput(
      file,
      process.stdout,
      (at, what) => `${flag} ${at}: refusing to write there: it is ${what}`,
    );
    try {
      await output.write(content);
      await output.commit();
    } catch (error) {
      await output.abort();
      throw error;
    }
  } catch (error) {
    if (error instanceof OutputError && error.code === 'CLI_OUTPUT_REFUSED')
      throw new UsageError(error.message);
    const e = error as NodeJS.ErrnoException;
    throw new UsageError(`${flag} ${file}: cannot write: ${e.code ?? e.message}`);
  }
}
