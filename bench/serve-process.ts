// A `tsbatch serve` child process for the bench rows that measure against it (ingest, serve, journal): spawned,
// its URL line awaited, stopped with a signal (SIGKILL after 2 minutes), and its memory read from /proc.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';

export interface ServeProcess {
  url: string;
  pid: number;
  /** Milliseconds from spawning the process to its URL line. */
  startMs: number;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Spawns `node ...args` (the CLI and its `serve` flags) and resolves once it prints its URL. */
export async function spawnServe(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<ServeProcess> {
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = once(child, 'exit');
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      const nl = stdout.indexOf('\n');
      if (nl >= 0) resolve(stdout.slice(0, nl).trim());
    });
    void exited.then(([code]) =>
      reject(new Error(`tsbatch serve exited (${String(code)}): ${stderr.trim()}`)),
    );
  });
  const startMs = performance.now() - started;
  return {
    url,
    pid: child.pid!,
    startMs,
    async stop(signal: NodeJS.Signals = 'SIGINT'): Promise<void> {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A memory line of a live process from /proc (`VmRSS` now, `VmHWM` its peak), KiB; null when unreadable. */
export function procKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? null : Number(m[1]);
  } catch {
    return null;
  }
}
