// `pnpm readme`: re-runs every console example of README.md and writes the output it prints under it.
import { readFileSync, writeFileSync } from 'node:fs';
import { README, readmeExamples, runExample } from './readme-examples.js';

const lines = readFileSync(README, 'utf8').split('\n');
const examples = readmeExamples();
// Rewrite from the bottom so earlier line numbers stay valid.
for (const example of [...examples].reverse()) {
  const { exit, output } = await runExample(example.argv);
  const oldCount = example.output === '' ? 0 : example.output.split('\n').length - 1;
  const newLines = output === '' ? [] : output.replace(/\n$/, '').split('\n');
  lines[example.line - 1] = `$ pnpm -s tsbatch ${example.command}  # exit ${exit}`;
  lines.splice(example.line, oldCount, ...newLines);
}
writeFileSync(README, lines.join('\n'));
process.stdout.write(`updated ${examples.length} examples in README.md\n`);
