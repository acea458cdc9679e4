/**
 * Issue 18.7: the packages are publishable. From a clean clone, each package is built and packed with `pnpm pack`;
 * plain `npm install` takes the tarballs one by one into a project outside the workspace (third-party dependencies
 * from the registry); the installed `tsbatch` runs, and the library loads from ESM and from CommonJS.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './readme-examples.js';

const run = promisify(execFile);
const isClone = existsSync(path.join(ROOT, '.git'));
let work: string;
let clone: string;
let project: string;
const tarballs = new Map<string, string>();

interface Manifest {
  name: string;
  description?: string;
  private?: boolean;
  engines?: Record<string, string>;
  types?: string;
  exports?: Record<string, Record<string, string>>;
  dependencies?: Record<string, string>;
}

/** The packages under packages/ that are meant to be published. */
function publishable(root: string): string[] {
  return readdirSync(path.join(root, 'packages')).filter((name) => {
    const file = path.join(root, 'packages', name, 'package.json');
    return existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as Manifest).private !== true;
  });
}

async function tarFile(tarball: string, member: string): Promise<string> {
  return (await run('tar', ['-xzOf', tarball, `package/${member}`], { maxBuffer: 64 * 1024 * 1024 })).stdout;
}

async function tarList(tarball: string): Promise<string[]> {
  return (await run('tar', ['-tzf', tarball])).stdout.split('\n').filter((l) => l !== '');
}

const env = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', FORCE_COLOR: '0' };

beforeAll(async () => {
  if (!isClone) return;
  work = mkdtempSync(path.join(os.tmpdir(), 'tsbatch-packages-'));
  clone = path.join(work, 'clone');
  await run('git', ['clone', '--quiet', ROOT, clone]);
  // The store is warm (this checkout was installed from it): nothing is downloaded for the workspace itself.
  await run('pnpm', ['install', '--frozen-lockfile', '--offline'], { cwd: clone, env });
  const names = publishable(clone);
  await run(
    path.join(clone, 'node_modules/.bin/tsc'),
    ['-b', ...names.map((n) => `packages/${n}/tsconfig.build.json`)],
    { cwd: clone },
  );
  const packs = path.join(work, 'packs');
  for (const name of names) {
    await run('pnpm', ['pack', '--pack-destination', packs], {
      cwd: path.join(clone, 'packages', name),
      env,
    });
  }
  for (const file of readdirSync(packs))
    tarballs.set(/^tsbatch-(.+)-\d+\.\d+\.\d+\.tgz$/.exec(file)![1]!, path.join(packs, file));
  // A project outside the workspace, as a user's: the tarballs one by one, dependencies first.
  project = path.join(work, 'project');
  cpSync(path.join(clone, 'examples'), path.join(project, 'examples'), {
    recursive: true,
    filter: (from) => !from.includes(`${path.sep}node_modules`),
  });
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'etl-job', private: true }));
  const npm = (...args: string[]) => run('npm', ['install', ...args], { cwd: project, env });
  await npm(tarballs.get('core')!);
  await npm(tarballs.get('validator')!);
  await npm(...[...tarballs].filter(([n]) => n !== 'core' && n !== 'validator').map(([, t]) => t));
}, 600_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!isClone)('the packed packages (a git checkout is needed to clone)', () => {
  it('are every package of the workspace', () => {
    expect([...tarballs.keys()].sort()).toEqual(publishable(ROOT).sort());
    expect(tarballs.size).toBeGreaterThanOrEqual(6);
  });

  it('name versions, not workspace:*, and ship only what their exports point at', async () => {
    for (const [name, tarball] of tarballs) {
      const manifest = JSON.parse(await tarFile(tarball, 'package.json')) as Manifest;
      const files = new Set(await tarList(tarball));
      expect(JSON.stringify(manifest.dependencies ?? {}), name).not.toMatch(/workspace:/);
      for (const [dep, version] of Object.entries(manifest.dependencies ?? {})) {
        if (dep.startsWith('@tsbatch/')) expect(version, `${name} -> ${dep}`).toMatch(/^\d+\.\d+\.\d+$/);
      }
      // The `source` condition (src/, for the workspace) is not published: src/ is not in the tarball.
      expect(Object.keys(manifest.exports?.['.'] ?? {}), name).toEqual(['types', 'default']);
      for (const target of Object.values(manifest.exports?.['.'] ?? {})) {
        expect(files.has(`package/${target.replace(/^\.\//, '')}`), `${name}: ${target}`).toBe(true);
      }
      expect(
        [...files].some((f) => f.startsWith('package/src/')),
        name,
      ).toBe(false);
      expect(
        [...files].some((f) => f.endsWith('.map')),
        name,
      ).toBe(false);
      expect(files.has('package/README.md'), name).toBe(true);
      expect(manifest.engines?.node, name).toBe('>=20.19');
      expect(manifest.types, name).toBe('./dist/index.d.ts');
      expect(manifest.description, name).toMatch(/\w{10}/);
      expect(manifest.description, name).not.toMatch(/later/);
    }
  });

  it('install with plain npm: tsbatch --version and a dry run of the example work', async () => {
    const bin = path.join(project, 'node_modules/.bin/tsbatch');
    const version = (
      JSON.parse(readFileSync(path.join(ROOT, 'packages/cli/package.json'), 'utf8')) as { version: string }
    ).version;
    expect((await run(bin, ['--version'], { cwd: project, env })).stdout).toMatch(
      new RegExp(`^tsbatch/${version} `),
    );
    const dry = await run(
      bin,
      [
        'dry-run',
        'file://examples/fleet/task.json',
        '--s3-root',
        'examples/fleet/s3',
        '--table',
        'examples/fleet/table.json',
        '--now',
        '2024-05-01T01:30:00Z',
        '--workers',
        '2',
      ],
      { cwd: project, env },
    );
    expect(dry.stdout).toMatch(/^Dry run SUCCEEDED \(TaskId [0-9A-F]{32}\)\n/);
    expect(dry.stdout).toMatch(/rows +12 processed: 12 ingested/);
    expect(dry.stderr).toBe('');
  });

  it('load from ESM and from CommonJS (require of ESM, Node 20.19+), every package', async () => {
    const names = [...tarballs.keys()].map((n) => `@tsbatch/${n}`);
    const esm = `for (const n of ${JSON.stringify(names)}) { const m = await import(n); console.log(n, Object.keys(m).length); }`;
    const cjs = `for (const n of ${JSON.stringify(names)}) { const m = require(n); console.log(n, Object.keys(m).length); }`;
    const fromEsm = await run(process.execPath, ['--input-type=module', '-e', esm], { cwd: project, env });
    const fromCjs = await run(process.execPath, ['-e', cjs], { cwd: project, env });
    expect(fromCjs.stdout).toBe(fromEsm.stdout);
    expect(fromEsm.stdout.split('\n').filter((l) => / [1-9]\d*$/.test(l))).toHaveLength(names.length);
    expect(fromCjs.stderr).toBe('');
  });

  it("run the README's library example (examples/library/dry-run.ts) as an ETL job would", async () => {
    const source = readFileSync(path.join(ROOT, 'examples/library/dry-run.ts'), 'utf8');
    const js = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    writeFileSync(path.join(project, 'dry-run.mjs'), js);
    const { stdout } = await run(process.execPath, ['dry-run.mjs'], { cwd: project, env });
    expect(stdout).toMatch(/^FAILED \{\n {2}RecordsProcessed: 14,/);
    expect(stdout).toContain('TIME_WINDOW_NOT_CHECKED');
  });
});
