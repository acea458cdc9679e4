import { describe, expect, it } from 'vitest';
import { readmeExamples, runExample, withoutTimings } from './readme-examples.js';

// STYLE rule 10: every console example of the README is run, and must print what the README shows (but for the
// figures of its `elapsed` lines, which no two runs share).
describe('README examples', () => {
  const examples = readmeExamples();

  it('has examples to run', () => {
    expect(examples.length).toBeGreaterThanOrEqual(6);
  });

  for (const example of examples) {
    it(`README line ${example.line}: tsbatch ${example.command}`, async () => {
      const { exit, output } = await runExample(example.argv);
      expect(withoutTimings(output)).toBe(withoutTimings(example.output));
      expect(exit).toBe(example.exit);
    });
  }
});
