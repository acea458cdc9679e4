/**
 * Where `tsbatch export` writes (R-EXP-1, issue 16): standard output for `--out -`, else a file that is created or
 * replaced only as a whole and only if it is a regular file. The bytes go to a private file beside it (created
 * exclusively: never through a link someone left at that name), which is renamed over `--out` once the export is
 * complete, so a failed or interrupted export leaves nothing that looks whole. A symbolic link, a device, a FIFO, a
 * socket or a folder at `--out` is refused, before and again just before the rename: outputs never overwrite what
 * they did not create.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { lstat, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** The output could not be written or is refused (disk full, permissions, not a regular file). */
export class OutputError extends Error {
  readonly code: 'CLI_OUTPUT' | 'CLI_OUTPUT_REFUSED' = 'CLI_OUTPUT';
}

/** `--out` names something that is not a regular file: the command must change (exit 2). */
export class OutputRefused extends OutputError {
  override readonly code = 'CLI_OUTPUT_REFUSED';
}

export interface ExportOutput {
  /** Writes bytes; answers a promise only when the caller has to wait (the output is behind). */
  write(chunk: string | Uint8Array): Promise<void> | undefined;
  /** Finishes the output and, for a file, puts it at its place. */
  commit(): Promise<void>;
  /** Drops what was written (a file's private copy); standard output cannot take back what it sent. */
  abort(): Promise<void>;
  /** What the summary names: the file, or "standard output". */
  readonly name: string;
}

/** Says why `file` is refused, given what it is (`a symbolic link`, `a device`, ...). */
export type RefusalText = (file: string, what: string) => string;

const exportRefusal: RefusalText = (file, what) =>
  `${file} is ${what}: tsbatch export writes only regular files it creates or replaces, and never ` +
  `replaces ${what === 'not a regular file' ? 'anything else' : 'one'}. Give another path, or --out - for standard output.`;

/** Why `file` must not be written over, or null when it is a regular file or nothing. */
async function refusal(file: string, text: RefusalText): Promise<string | null> {
  let stat;
  try {
    stat = await lstat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new OutputError(`cannot write ${file}: ${(error as Error).message}`, { cause: error });
  }
  if (stat.isFile()) return null;
  const what = stat.isSymbolicLink()
    ? 'a symbolic link'
    : stat.isDirectory()
      ? 'a folder'
      : stat.isCharacterDevice() || stat.isBlockDevice()
        ? 'a device'
        : stat.isFIFO()
          ? 'a FIFO'
          : stat.isSocket()
            ? 'a socket'
            : 'not a regular file';
  return text(file, what);
}

/**
 * Checks `--out` and opens the private file beside it (or standard output for '-'). Every command that writes a file
 * it creates goes through here (export, dry-run --html, init --out).
 */
export async function openExportOutput(
  out: string,
  stdout: NodeJS.WritableStream,
  text: RefusalText = exportRefusal,
): Promise<ExportOutput> {
  if (out === '-') return stdoutOutput(stdout);
  const why = await refusal(out, text);
  if (why !== null) throw new OutputRefused(why);
  const partial = path.join(
    path.dirname(out),
    `.${path.basename(out)}.${process.pid}.${randomBytes(4).toString('hex')}.partial`,
  );
  // 'wx': created here and now, so it cannot be a link or a file that someone else made.
  const stream = new ChunkStream(partial, createWriteStream(partial, { flags: 'wx', mode: 0o644 }));
  await stream.opened();
  return {
    name: out,
    write: (chunk) => stream.write(chunk),
    async commit(): Promise<void> {
      await stream.close();
      const late = await refusal(out, text);
      if (late !== null) {
        await rm(partial, { force: true });
        throw new OutputRefused(late);
      }
      await rename(partial, out).catch((error: Error) => {
        throw new OutputError(`cannot write ${out}: ${error.message}`, { cause: error });
      });
    },
    async abort(): Promise<void> {
      await stream.close().catch(() => undefined);
      await rm(partial, { force: true });
    },
  };
}

function stdoutOutput(stdout: NodeJS.WritableStream): ExportOutput {
  let failure: Error | null = null;
  stdout.on('error', (error: Error) => (failure = error));
  return {
    name: 'standard output',
    write(chunk): Promise<void> | undefined {
      if (failure !== null) throw new OutputError(`cannot write standard output: ${failure.message}`);
      if (stdout.write(chunk)) return undefined;
      return once(stdout, 'drain').then(() => undefined);
    },
    commit(): Promise<void> {
      const e = failure;
      if (e === null) return Promise.resolve();
      return Promise.reject(new OutputError(`cannot write standard output: ${e.message}`));
    },
    abort: (): Promise<void> => Promise.resolve(),
  };
}

/** A file stream whose `write` answers a promise only when it is full (STYLE rule 7). */
class ChunkStream {
  private failure: Error | null = null;
  constructor(
    private readonly file: string,
    private readonly stream: WriteStream,
  ) {
    this.stream.on('error', (error) => {
      this.failure = new OutputError(`cannot write ${file}: ${error.message}`, { cause: error });
    });
  }
  async opened(): Promise<void> {
    if (this.stream.pending) {
      await Promise.race([once(this.stream, 'open'), once(this.stream, 'error')]).catch(() => undefined);
    }
    if (this.failure !== null) throw this.failure;
  }
  write(chunk: string | Uint8Array): Promise<void> | undefined {
    if (this.failure !== null) throw this.failure;
    if (this.stream.write(chunk)) return undefined;
    return once(this.stream, 'drain').then(
      () => undefined,
      (error: Error) => {
        throw new OutputError(`cannot write ${this.file}: ${error.message}`, { cause: error });
      },
    );
  }
  async close(): Promise<void> {
    if (!this.stream.closed) {
      this.stream.end();
      await once(this.stream, 'close');
    }
    if (this.failure !== null) throw this.failure;
  }
}
