// Profiles the S3 row's two dry runs (bench/s3-bench.ts) with --cpu-prof: the same file from local disk and from S3
// on loopback (s3rver), `--workers 1` so one thread does all the work (WORKERS=default: the parallel run, every
// thread's profile summed), and prints the self-time shares of the top functions of each, by the package they belong
// to. Proportions hold under load where timings do not.
// Usage: [WORKERS=1|N|default] node --conditions=source --import tsx bench/s3-profile.ts [MB] [OUT_DIR]
import { spawnSync } from 'node:child_process';
import { linkSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startS3Server } from '../packages/aws/test/s3-server.js';
import { generateFleetCsv } from './generate.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const mb = Number(process.argv[2] ?? '20');
const out = path.resolve(process.argv[3] ?? path.join(here, 'data', 's3-profiles'));
/** `--workers N` of both runs (the bench row's default-workers run: omit it with WORKERS=default). */
const workers = process.env['WORKERS'] ?? '1';
const BUCKET = 'test-batch-load-west-2';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time by function and by area (our packages, the SDK, node internals), as shares of the profile. */
function summarize(files: string[]): string {
  const fn = new Map<string, number>();
  const area = new Map<string, number>();
  let total = 0;
  for (const file of files) {
    const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    p.samples.forEach((id, i) => {
      const n = byId.get(id)!;
      const dt = p.timeDeltas[i] ?? 0;
      total += dt;
      const url = n.callFrame.url;
      const where =
        n.callFrame.functionName === '(idle)' || n.callFrame.functionName === '(program)'
          ? n.callFrame.functionName
          : /@aws-sdk|@smithy/.test(url)
            ? 'aws sdk'
            : (/packages\/(\w[\w-]*)\//.exec(url)?.[1] ??
              (url.startsWith('node:') ? 'node' : url === '' ? '(native/gc)' : 'other'));
      area.set(where, (area.get(where) ?? 0) + dt);
      const key = `${n.callFrame.functionName || '(anon)'} ${url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber}`;
      fn.set(key, (fn.get(key) ?? 0) + dt);
    });
  }
  const pct = (v: number): string => `${((100 * v) / total).toFixed(1)}%`;
  const top = (m: Map<string, number>, k: number): string[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([name, v]) => `  ${pct(v).padStart(6)} ${name}`);
  return [
    `total ${(total / 1e6).toFixed(2)} s over ${files.length} threads`,
    'by area:',
    ...top(area, 10),
    'by function:',
    ...top(fn, 25),
  ].join('\n');
}

const file = await generateFleetCsv(path.join(here, 'data'), mb * 1e6, 42);
const s3Root = path.join(out, 'root');
rmSync(out, { recursive: true, force: true });
mkdirSync(path.join(s3Root, BUCKET), { recursive: true });
linkSync(file, path.join(s3Root, BUCKET, 'sample.csv'));
const s3 = await startS3Server();
try {
  await s3.createBucket(BUCKET);
  await s3.put(BUCKET, 'sample.csv', readFileSync(file));
  const task = path.join(root, 'examples/fleet/task.json');
  for (const [name, extra, env] of [
    ['disk', ['--s3-root', s3Root], {}],
    ['s3', [], s3.env],
  ] as const) {
    const dir = path.join(out, name);
    mkdirSync(dir, { recursive: true });
    const run = spawnSync(
      process.execPath,
      [
        '--cpu-prof',
        '--cpu-prof-dir',
        dir,
        path.join(here, 's3-dry-run-child.mjs'),
        'dry-run',
        task,
        '--json',
        ...(workers === 'default' ? [] : ['--workers', workers]),
        ...extra,
      ],
      {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
      },
    );
    const result = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as {
      seconds?: number;
      code?: number;
      output?: { BatchLoadTaskDescription?: { ProgressReport?: unknown } };
    };
    process.stdout.write(
      `${name}: exit ${result.code}, ${JSON.stringify(result.output?.BatchLoadTaskDescription?.ProgressReport ?? result.output).slice(0, 300)}\n`,
    );
    const profiles = readdirSync(dir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => path.join(dir, f));
    process.stdout.write(`== ${name}: ${result.seconds?.toFixed(2)} s wall\n${summarize(profiles)}\n`);
  }
} finally {
  await s3.close();
}
