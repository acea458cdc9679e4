// Helper of the S3 row's work (issue 17): the CPU budget of the same dry run from local disk and from S3 on
// loopback by process and thread (main thread, worker threads, libuv/V8 helpers, s3rver; user vs system), sampled
// from /proc/<pid>/task/*/stat every 50 ms while the child runs (a thread's last value before it exits).
// Usage: node --conditions=source --import tsx bench/s3-threads.ts [MB] [RUNS] [extra dry-run args...]
import { spawn } from 'node:child_process';
import { linkSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startS3Server } from '../packages/aws/test/s3-server.js';
import { generateFleetCsv } from './generate.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const mb = Number(process.argv[2] ?? '100');
const runs = Number(process.argv[3] ?? '1');
const extra = process.argv.slice(4);
const BUCKET = 'test-batch-load-west-2';
const out = path.join(here, 'data', `s3-threads-${process.pid}`);

interface Tick {
  comm: string;
  user: number;
  sys: number;
}

function stat(file: string): Tick | null {
  try {
    const s = readFileSync(file, 'utf8');
    const comm = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { comm, user: Number(f[11]) / 100, sys: Number(f[12]) / 100 };
  } catch {
    return null;
  }
}

function threads(pid: number, into: Map<number, Tick>): void {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return;
  }
  for (const tid of tids) {
    const t = stat(`/proc/${pid}/task/${tid}/stat`);
    if (t !== null) into.set(Number(tid), t);
  }
}

const file = await generateFleetCsv(path.join(here, 'data'), mb * 1e6, 42);
mkdirSync(path.join(out, 'root', BUCKET), { recursive: true });
linkSync(file, path.join(out, 'root', BUCKET, 'sample.csv'));
const s3 = await startS3Server();
try {
  await s3.createBucket(BUCKET);
  await s3.putFile(BUCKET, 'sample.csv', file);
  const task = path.join(root, 'examples/fleet/task.json');
  const at = process.env['AT'] ?? root;
  for (let i = 0; i < runs; i++) {
    for (const [name, args, env] of [
      ['disk', ['--s3-root', path.join(out, 'root')], {}],
      ['s3', [], s3.env],
    ] as [string, string[], Record<string, string>][]) {
      const server0 = stat(`/proc/${s3.pid}/stat`)!;
      const seen = new Map<number, Tick>();
      const started = performance.now();
      // PERF=DIR: under `perf record` (DIR/perf-<name>-<round>.data; kernel and user samples of every thread).
      const perf = process.env['PERF'];
      const command = [
        process.execPath,
        path.join(at, 'bench', 's3-dry-run-child.mjs'),
        'dry-run',
        task,
        '--json',
        ...extra,
        ...args,
      ];
      const child = spawn(
        perf === undefined ? command[0]! : 'perf',
        perf === undefined
          ? command.slice(1)
          : [
              'record',
              '-q',
              '-F',
              '499',
              '-o',
              path.join(perf, `perf-${name}-${i + 1}.data`),
              '--',
              ...command,
            ],
        {
          cwd: at,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
        },
      );
      let text = '';
      child.stdout.on('data', (c: Buffer) => (text += c.toString()));
      const timer = setInterval(() => threads(child.pid!, seen), 50);
      await new Promise((resolve) => child.once('exit', resolve));
      clearInterval(timer);
      const wall = (performance.now() - started) / 1000;
      const server1 = stat(`/proc/${s3.pid}/stat`)!;
      const r = JSON.parse(text.trim().split('\n').pop() ?? '{}') as {
        seconds: number;
        userSeconds: number;
        systemSeconds: number;
      };
      const groups = new Map<string, Tick & { n: number }>();
      for (const [tid, t] of seen) {
        const key = tid === child.pid ? 'main' : `${t.comm}+${tid - child.pid!}`;
        const g = groups.get(key) ?? { comm: key, user: 0, sys: 0, n: 0 };
        g.user += t.user;
        g.sys += t.sys;
        g.n++;
        groups.set(key, g);
      }
      process.stdout.write(
        `${name} ${i + 1}: wall ${r.seconds.toFixed(2)} (spawn ${wall.toFixed(2)}) process user ${r.userSeconds.toFixed(2)} sys ${r.systemSeconds.toFixed(2)}; s3rver user ${(server1.user - server0.user).toFixed(2)} sys ${(server1.sys - server0.sys).toFixed(2)}\n`,
      );
      for (const g of [...groups.values()].sort((a, b) => b.user + b.sys - a.user - a.sys))
        if (g.user + g.sys >= 0.02)
          process.stdout.write(
            `  ${g.comm.padEnd(16)} x${g.n}: user ${g.user.toFixed(2)} sys ${g.sys.toFixed(2)}\n`,
          );
    }
  }
} finally {
  await s3.close();
  rmSync(out, { recursive: true, force: true });
}
