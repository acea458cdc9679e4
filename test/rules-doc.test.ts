/**
 * Issue 18.2: every rule id that the code, the CLI's output or the docs cite has an entry in docs/rules.md, with what
 * tsbatch does and the AWS source it follows; and the READMEs link only to files inside the repository.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { main } from '@tsbatch/cli';
import { describe, expect, it } from 'vitest';
import { ROOT } from './readme-examples.js';

const RULES = path.join(ROOT, 'docs/rules.md');
const RULE_ID = /\bR-[A-Z0-9]+-\d+\b/g;
const SKIP = new Set(['node_modules', 'dist', 'data', 'out', '.git', '.tsbatch']);
const TEXT = /\.(ts|mts|mjs|js|json|md|py|sh)$|^run$/;

/** Every text file of the repository worth reading: sources, tests, docs, examples, CI. */
function files(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...files(full));
    else if (entry.isFile() && TEXT.test(entry.name)) out.push(full);
  }
  return out;
}

/** The rule entries of docs/rules.md: `### R-XXX-N Title` and the text up to the next heading. */
function entries(): Map<string, string> {
  const text = readFileSync(RULES, 'utf8');
  const map = new Map<string, string>();
  const parts = text.split(/^### /m).slice(1);
  for (const part of parts) {
    const id = /^(R-[A-Z0-9]+-\d+) /.exec(part)?.[1];
    if (id !== undefined) map.set(id, part.split(/^## /m)[0]!);
  }
  return map;
}

async function helpTexts(): Promise<string> {
  let out = '';
  const sink = new Writable({
    write(chunk: Buffer, _e, done): void {
      out += chunk.toString();
      done();
    },
  });
  const io = { stdout: sink, stderr: sink, cwd: ROOT };
  const commands = ['validate', 'dry-run', 'ingest', 'serve', 'export'];
  for (const c of commands) await main([c, '--help'], io);
  for (const sub of ['create', 'describe', 'list', 'resume']) await main(['tasks', sub, '--help'], io);
  await main(['tasks', '--help'], io);
  await main(['--help'], io);
  return out;
}

describe('docs/rules.md', () => {
  const documented = entries();

  it('has an entry, with what tsbatch does and its AWS source, for each rule', () => {
    expect(documented.size).toBeGreaterThanOrEqual(55);
    for (const [id, text] of documented) {
      expect(text, id).toMatch(/\*\*What tsbatch (does|will do)\.\*\*/);
      expect(text, id).toMatch(/\*\*AWS source\.\*\*/);
    }
  });

  it('documents every rule id cited in the code, the tests, the docs and the examples', () => {
    const missing = new Map<string, string>();
    for (const file of files(ROOT)) {
      for (const id of readFileSync(file, 'utf8').match(RULE_ID) ?? []) {
        if (!documented.has(id) && !missing.has(id)) missing.set(id, path.relative(ROOT, file));
      }
    }
    expect(Object.fromEntries(missing)).toEqual({});
  });

  it("documents every rule id the CLI's help prints", async () => {
    const cited = new Set((await helpTexts()).match(RULE_ID) ?? []);
    expect(cited.size).toBeGreaterThan(5);
    expect([...cited].filter((id) => !documented.has(id))).toEqual([]);
  });

  it('marks every [choice] entry with the reason for it', () => {
    for (const [id, text] of documented) {
      const choice = /\*\*Choice\.\*\* (.*)/.exec(text)?.[1];
      if (choice !== undefined) expect(choice.length, id).toBeGreaterThan(30);
    }
  });
});

describe('links of the READMEs and docs', () => {
  const docs = [
    path.join(ROOT, 'README.md'),
    ...files(path.join(ROOT, 'docs')),
    ...readdirSync(path.join(ROOT, 'packages'))
      .map((p) => path.join(ROOT, 'packages', p, 'README.md'))
      .filter((f) => existsSync(f)),
  ];

  it.each(docs.map((d) => [path.relative(ROOT, d), d]))(
    '%s links only to files inside the repository',
    (_n, doc) => {
      const text = readFileSync(doc, 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:|#)/.test(target!)) continue;
        const resolved = path.resolve(path.dirname(doc), target!.split('#')[0]!);
        expect(path.relative(ROOT, resolved).startsWith('..'), `${doc}: ${target}`).toBe(false);
        expect(existsSync(resolved) && statSync(resolved).isFile(), `${doc}: ${target}`).toBe(true);
      }
    },
  );
});
