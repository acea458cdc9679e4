import { describe, expect, it } from 'vitest';
import { readmeExamples, runExample } from './readme-examples.js';

// STYLE rule 10: every console example of the README is run, and must print what the README shows.
describe('README examples', () => {
  const examples = readmeExamples();

  it('has examples to run', () => {
    expect(examples.length).toBeGreaterThanOrEqual(6);
  });

  for (const example of examples) {
    it(`README line ${example.line}: tsbatch ${example.command}`, async () => {
      const { exit, output } = await runExample(example.argv);
      expect(output).toBe(example.output);
      expect(exit).toBe(example.exit);
    });
  }
});
