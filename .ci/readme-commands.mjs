#!/usr/bin/env node
// Prints the commands of the README's "Two commands" section, one a line, as a shell would run them (issue 18):
// CI runs them from the README text, so the README cannot drift from what is tested. Node built-ins only: this
// runs before `pnpm install`.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The command lines of the first sh block under the `## Two commands` heading. */
export function twoCommands(readme) {
  const lines = readme.split('\n');
  const heading = lines.indexOf('## Two commands');
  if (heading === -1) throw new Error('README.md has no "## Two commands" section');
  const open = lines.findIndex((line, i) => i > heading && line.startsWith('```'));
  const close = lines.findIndex((line, i) => i > open && line.startsWith('```'));
  if (open === -1 || close === -1) throw new Error('the "Two commands" section has no code block');
  const commands = lines.slice(open + 1, close).filter((line) => line.trim() !== '' && !line.startsWith('#'));
  if (commands.length !== 2)
    throw new Error(`the "Two commands" block holds ${commands.length} commands, not 2`);
  return commands;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  process.stdout.write(`${twoCommands(readme).join('\n')}\n`);
}
