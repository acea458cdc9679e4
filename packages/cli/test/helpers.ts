import { spawn } from 'node:child_process';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../src/cli.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export function sink(isTTY = false): Writable & { text: string; isTTY?: boolean; writes: string[] } {
  const out = new Writable({
    write(chunk: Buffer, _enc, done): void {
      const text = chunk.toString('utf8');
      out.text += text;
      out.writes.push(text);
      done();
    },
  }) as Writable & { text: string; isTTY?: boolean; writes: string[] };
  out.text = '';
  out.writes = [];
  if (isTTY) out.isTTY = true;
  return out;
}

/** The CLI's main in this process, from the repository root; `stdin` feeds a `-` argument. */
export async function runMain(
  argv: string[],
  options: { stdin?: string; cwd?: string } = {},
): Promise<{ exit: number; stdout: string; stderr: string }> {
  const stdout = sink();
  const stderr = sink();
  const exit = await main(argv, {
    stdout,
    stderr,
    cwd: options.cwd ?? ROOT,
    ...(options.stdin !== undefined && { stdin: Readable.from([Buffer.from(options.stdin)]) }),
  });
  return { exit, stdout: stdout.text, stderr: stderr.text };
}

/** The CLI as a process (from source), with exactly `env` (nothing of this process's environment). */
export function runChild(
  argv: string[],
  env: Record<string, string>,
): Promise<{ exit: number | null; stdout: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', path.join(ROOT, 'packages/cli/src/cli.ts'), ...argv],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  return new Promise((resolve) => child.once('close', (exit) => resolve({ exit, stdout, stderr })));
}
