import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { main } from '@tsbatch/cli';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const README = path.join(ROOT, 'README.md');

/** One `$ pnpm -s tsbatch …  # exit N` line of a README console block and the output shown under it. */
export interface ReadmeExample {
  command: string;
  argv: string[];
  exit: number;
  output: string;
  /** Line of the README where the command stands, for failure messages. */
  line: number;
}

const PROMPT = /^\$ pnpm -s tsbatch (.*?)\s+# exit (\d+)$/;

/** Splits a command line the way a POSIX shell would for the simple quoting the README uses. */
function shellWords(text: string): string[] {
  const words: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(\S+)/g;
  for (const m of text.matchAll(re)) words.push(m[1] ?? m[2] ?? m[3]!);
  return words;
}

export function readmeExamples(text = readFileSync(README, 'utf8')): ReadmeExample[] {
  const lines = text.split('\n');
  const examples: ReadmeExample[] = [];
  let inConsole = false;
  let current: ReadmeExample | null = null;
  for (const [i, line] of lines.entries()) {
    if (line.startsWith('```')) {
      if (current !== null) examples.push(current);
      current = null;
      inConsole = !inConsole && line.trim() === '```console';
      continue;
    }
    if (!inConsole) continue;
    const m = PROMPT.exec(line);
    if (m !== null) {
      if (current !== null) examples.push(current);
      current = { command: m[1]!, argv: shellWords(m[1]!), exit: Number(m[2]), output: '', line: i + 1 };
    } else if (current !== null) {
      current.output += `${line}\n`;
    }
  }
  return examples;
}

/**
 * The output with the figures of its `elapsed` lines (wall time and rate, issue 18) replaced: they differ run to run,
 * and only they do. Applied to both sides of a comparison; every other character must match.
 */
export function withoutTimings(text: string): string {
  return withoutProgress(text).replace(
    /^( +elapsed +)(?:\d+\.\d s|\d+m\d\ds|\d+h\d\dm), [\d,]+ (rows|records)\/s$/gm,
    '$1<time>, <n> $2/s',
  );
}

/** The output without its plain progress lines (stderr, at most one every 5 s: only a long run has them). */
export function withoutProgress(text: string): string {
  return text.replace(/^progress: .*\n/gm, '');
}

/** Runs a README example in-process (the CLI's own main) from the repository root; stdout and stderr interleaved. */
export async function runExample(argv: string[]): Promise<{ exit: number; output: string }> {
  let output = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done): void {
      output += chunk.toString();
      done();
    },
  });
  const exit = await main(argv, { stdout: sink, stderr: sink, cwd: ROOT });
  return { exit, output };
}

/** Like runExample, with stdout and stderr apart (progress lines off a terminal go to stderr, data to stdout). */
export async function runExampleStreams(
  argv: string[],
): Promise<{ exit: number; stdout: string; stderr: string }> {
  const collect = (): { sink: Writable; text: () => string } => {
    let text = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done): void {
        text += chunk.toString();
        done();
      },
    });
    return { sink, text: () => text };
  };
  const out = collect();
  const err = collect();
  const exit = await main(argv, { stdout: out.sink, stderr: err.sink, cwd: ROOT });
  return { exit, stdout: out.text(), stderr: err.text() };
}
