// Helper of the S3 row's work (issue 17): the CPU of the same dry run from local disk and from S3 on loopback,
// alternated round by round, min of N (user, system, s3rver). Usage: node --conditions=source --import tsx
// bench/s3-cpu.ts [MB] [RUNS] [extra dry-run args...]
import { spawnSync } from 'node:child_process';
import { linkSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startS3Server } from '../packages/aws/test/s3-server.js';
import { generateFleetCsv } from './generate.js';
import { processCpuSeconds } from './s3-bench.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const mb = Number(process.argv[2] ?? '100');
const runs = Number(process.argv[3] ?? '3');
const extra = process.argv.slice(4);
const BUCKET = 'test-batch-load-west-2';
const out = path.join(here, 'data', `s3-cpu-${process.pid}`);

const file = await generateFleetCsv(path.join(here, 'data'), mb * 1e6, 42);
mkdirSync(path.join(out, 'root', BUCKET), { recursive: true });
linkSync(file, path.join(out, 'root', BUCKET, 'sample.csv'));
const s3 = await startS3Server();
try {
  await s3.createBucket(BUCKET);
  await s3.putFile(BUCKET, 'sample.csv', file);
  const task = path.join(root, 'examples/fleet/task.json');
  const best: Record<string, { wall: number; cpu: number; user: number; sys: number; server: number }> = {};
  const outputs: Record<string, string> = {};
  for (let i = 0; i < runs; i++) {
    const base = process.env['BASE'];
    const programs: [string, string[], Record<string, string>, string][] = [
      ['disk', ['--s3-root', path.join(out, 'root')], {}, root],
      ['s3', [], s3.env, root],
      ...(base === undefined
        ? []
        : [['s3-base', [], s3.env, base] as [string, string[], Record<string, string>, string]]),
    ];
    for (const [name, args, env, at] of programs) {
      const before = name !== 'disk' ? processCpuSeconds(s3.pid) : 0;
      const run = spawnSync(
        process.execPath,
        [path.join(at, 'bench', 's3-dry-run-child.mjs'), 'dry-run', task, '--json', ...extra, ...args],
        {
          cwd: at,
          encoding: 'utf8',
          env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
        },
      );
      const server = name !== 'disk' ? processCpuSeconds(s3.pid) - before : 0;
      const r = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as {
        code: number;
        seconds: number;
        cpuSeconds: number;
        userSeconds?: number;
        systemSeconds?: number;
        output: unknown;
      };
      outputs[name] = JSON.stringify(r.output);
      const m = {
        wall: r.seconds,
        cpu: r.cpuSeconds,
        user: r.userSeconds ?? NaN,
        sys: r.systemSeconds ?? NaN,
        server,
      };
      process.stdout.write(
        `${name} ${i + 1}: wall ${m.wall.toFixed(2)} cpu ${m.cpu.toFixed(2)} (user ${m.user.toFixed(2)} sys ${m.sys.toFixed(2)}) server ${server.toFixed(2)} code ${r.code}\n`,
      );
      const b = best[name];
      if (b === undefined) best[name] = m;
      else for (const k of Object.keys(m) as (keyof typeof m)[]) b[k] = Math.min(b[k], m[k]);
    }
  }
  for (const [name, b] of Object.entries(best))
    process.stdout.write(
      `min ${name}: wall ${b.wall.toFixed(2)} cpu ${b.cpu.toFixed(2)} user ${b.user.toFixed(2)} sys ${b.sys.toFixed(2)} server ${b.server.toFixed(2)}\n`,
    );
  for (const name of Object.keys(outputs))
    process.stdout.write(
      `output ${name}: ${outputs[name] === outputs['disk'] ? 'identical' : 'DIFFERENT'}\n`,
    );
} finally {
  await s3.close();
  rmSync(out, { recursive: true, force: true });
}
