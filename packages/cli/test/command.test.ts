import { describe, expect, it } from 'vitest';
import {
  formatHelp,
  parseCommandArgs,
  stringOption,
  stringsOption,
  UsageError,
  type CommandSpec,
} from '../src/internal/command.js';

const spec: CommandSpec = {
  name: 'demo',
  summary: 'A demo command.',
  positionals: [{ name: 'FILE', required: true }],
  description: ['Does nothing.'],
  options: [
    {
      name: 'fault',
      type: 'string',
      value: 'SPEC',
      description: 'A fault.',
      multiple: true,
      group: 'Testing',
    },
    { name: 'port', type: 'string', value: 'N', description: 'A port.', defaultText: '8000' },
  ],
  examples: [{ command: 'tsbatch demo x', note: 'Run it.' }],
  exitCodes: [[0, 'fine']],
  run: () => Promise.resolve(0),
};

describe('the option table', () => {
  it('collects every value of a repeatable flag in order', () => {
    const args = parseCommandArgs(spec, ['f', '--fault', 'throttle=0.3', '--fault', 'error=0.05']);
    expect(stringsOption(args, 'fault')).toEqual(['throttle=0.3', 'error=0.05']);
    expect(stringOption(args, 'port')).toBeUndefined();
  });

  it('names the closest flag for a typo and refuses extra positionals', () => {
    expect(() => parseCommandArgs(spec, ['f', '--prot', '1'])).toThrow(
      new UsageError("unknown option '--prot' (did you mean '--port'?)"),
    );
    expect(() => parseCommandArgs(spec, ['f', 'g'])).toThrow(new UsageError("unexpected argument 'g'"));
    expect(() => parseCommandArgs(spec, [])).toThrow(new UsageError('missing FILE'));
  });

  it('writes --help from the same table: groups, placeholders, defaults, examples, exit codes', () => {
    const help = formatHelp(spec);
    expect(help).toContain('Usage: tsbatch demo FILE [options]');
    expect(help).toContain('Testing:\n  --fault SPEC …');
    expect(help).toContain('--port N');
    expect(help).toContain('A port. (default: 8000)');
    expect(help).toContain('Examples:\n  tsbatch demo x\n      Run it.');
    expect(help).toContain('Exit codes:\n  0  fine');
  });
});
