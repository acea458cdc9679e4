import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './readme-examples.js';
import { twoCommands } from '../.ci/readme-commands.mjs';

// Issue 18: CI runs the README's "Two commands" from the README text (.ci/run); this pins what it finds there.
describe('the README "Two commands" that CI runs', () => {
  const commands = twoCommands(readFileSync(path.join(ROOT, 'README.md'), 'utf8'));

  it('are the install-and-dry-run command and the install-and-test command', () => {
    expect(commands).toHaveLength(2);
    expect(commands[0]).toMatch(
      /^corepack enable && pnpm install --frozen-lockfile && pnpm -s tsbatch dry-run examples\/fleet\/task\.json /,
    );
    expect(commands[1]).toBe('corepack enable && pnpm install --frozen-lockfile && pnpm test');
  });

  it('are what .ci/run runs, one after the other, with a python3 lacking the optional peers', () => {
    const run = readFileSync(path.join(ROOT, '.ci/run'), 'utf8');
    expect(run).toContain('mapfile -t commands < <(node .ci/readme-commands.mjs)');
    expect(run).toMatch(/for module in numpy pandas boto3; do/);
  });

  it('refuses a README whose block does not hold exactly two commands', () => {
    const readme = '## Two commands\n\n```sh\n# one\npnpm test\n```\n';
    expect(() => twoCommands(readme)).toThrow(/holds 1 commands, not 2/);
  });
});
