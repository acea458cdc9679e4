/**
 * Issue 18.3: AWS CLI habits. Per-subcommand help, -h, `tsbatch help CMD`, --version; TASK as file://path, a path,
 * `-` or the JSON text, and --cli-input-json; --region and --profile wherever the command talks to AWS; --json
 * errors as JSON on stdout; --json times in the AWS CLI v2 form. Help is written from the table that parses flags.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dryRunCommand } from '../src/commands/dry-run.js';
import { exportCommand } from '../src/commands/export.js';
import { ingestCommand } from '../src/commands/ingest.js';
import { serveCommand } from '../src/commands/serve.js';
import { tasksCommand } from '../src/commands/tasks.js';
import { validateCommand } from '../src/commands/validate.js';
import { awsCliTime, withAwsCliTimes } from '../src/internal/aws-time.js';
import { formatHelp, type CommandSpec } from '../src/internal/command.js';
import { ROOT, runMain } from './helpers.js';

const COMMANDS: [CommandSpec, string | undefined][] = [
  [validateCommand, undefined],
  [dryRunCommand, undefined],
  [ingestCommand, undefined],
  [serveCommand, undefined],
  [exportCommand, undefined],
  ...tasksCommand.subcommands.map((c): [CommandSpec, string] => [c, 'tasks']),
];
const FLEET = 'examples/fleet/task.json';
const AWS_CLI_V2_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/;

describe('help (STYLE rule 10)', () => {
  it('prints the same help for --help, -h and tsbatch help CMD', async () => {
    const long = await runMain(['dry-run', '--help']);
    expect(long.exit).toBe(0);
    expect(long.stdout).toMatch(/^Usage: tsbatch dry-run TASK \[options\]/);
    expect(await runMain(['dry-run', '-h'])).toEqual(long);
    expect(await runMain(['help', 'dry-run'])).toEqual(long);
    expect((await runMain(['help'])).stdout).toBe((await runMain(['--help'])).stdout);
  });

  it("shows each tasks subcommand's own flags, and the group lists the subcommands", async () => {
    const create = await runMain(['tasks', 'create', '--help']);
    expect(create.exit).toBe(0);
    expect(create.stdout).toMatch(/^Usage: tsbatch tasks create TASK \[options\]/);
    expect(create.stdout).toContain('--create-table');
    expect(create.stdout).not.toContain('--max-results');
    const list = await runMain(['tasks', 'list', '-h']);
    expect(list.stdout).toMatch(/^Usage: tsbatch tasks list \[options\]/);
    expect(list.stdout).toContain('--max-results N');
    expect(list.stdout).not.toContain('--create-table');
    expect(await runMain(['help', 'tasks', 'create'])).toEqual(create);
    const group = await runMain(['tasks', '--help']);
    expect(group.exit).toBe(0);
    for (const sub of ['create', 'describe', 'list', 'resume'])
      expect(group.stdout).toMatch(new RegExp(`^  ${sub} `, 'm'));
    expect((await runMain(['tasks'])).exit).toBe(2);
  });

  it.each(
    COMMANDS.map(([spec, parent]) => [
      parent === undefined ? spec.name : `${parent} ${spec.name}`,
      spec,
      parent,
    ]),
  )('writes every flag that %s parses into its help', (_name, spec, parent) => {
    const help = formatHelp(spec, parent);
    for (const option of spec.options) expect(help).toContain(`--${option.name}`);
    expect(help).toContain('-h, --help');
  });

  it('has --region and --profile on every command that takes --endpoint-url to an AWS-compatible service', () => {
    const talking = COMMANDS.filter(([spec]) => spec.options.some((o) => o.name === 'endpoint-url'));
    // export reads a running tsbatch serve over its admin route only (no AWS): the rest talk to AWS.
    const aws = talking
      .filter(([spec]) => spec !== exportCommand)
      .map(([spec, parent]) => `${parent ?? ''} ${spec.name}`.trim());
    expect(aws).toEqual(['ingest', 'tasks create', 'tasks resume']);
    for (const [spec] of talking.filter(([s]) => s !== exportCommand)) {
      expect(spec.options.map((o) => o.name)).toEqual(expect.arrayContaining(['region', 'profile']));
    }
  });

  it('prints its version as the AWS CLI does: name/version runtime/version platform', async () => {
    const { version } = JSON.parse(readFileSync(path.join(ROOT, 'packages/cli/package.json'), 'utf8')) as {
      version: string;
    };
    const run = await runMain(['--version']);
    expect(run.exit).toBe(0);
    expect(run.stdout).toBe(
      `tsbatch/${version} node/${process.versions.node} ${process.platform}/${process.arch}\n`,
    );
  });
});

describe('the TASK argument', () => {
  const valid = `${FLEET}: valid\n`;
  it.each([
    ['a path', [FLEET]],
    ['file://path', [`file://${FLEET}`]],
    ['file:///absolute/path', [`file://${path.join(ROOT, FLEET)}`]],
    ['--cli-input-json file://path', ['--cli-input-json', `file://${FLEET}`]],
  ])('takes %s', async (_what, argv) => {
    const run = await runMain(['validate', ...argv]);
    expect(run.exit).toBe(0);
    expect(run.stdout).toMatch(/: valid\n$/);
  });

  it('reads - from standard input, and the JSON text itself', async () => {
    const text = readFileSync(path.join(ROOT, FLEET), 'utf8');
    const stdin = await runMain(['validate', '-'], { stdin: text });
    expect(stdin).toMatchObject({ exit: 0, stdout: '<stdin>: valid\n' });
    const inline = await runMain(['validate', '--cli-input-json', text]);
    expect(inline.exit).toBe(0);
    expect((await runMain(['validate', FLEET])).stdout).toBe(valid);
  });

  it('names standard input in a JSON error (R-IN-5)', async () => {
    const run = await runMain(['validate', '-'], { stdin: '{\n  "TargetDatabaseName": \n' });
    expect(run.exit).toBe(2);
    expect(run.stderr).toMatch(/^tsbatch validate: <stdin>:3:1: not valid JSON/);
  });

  it('refuses TASK and --cli-input-json together, and neither', async () => {
    const both = await runMain(['validate', FLEET, '--cli-input-json', `file://${FLEET}`]);
    expect(both.exit).toBe(2);
    expect(both.stderr).toMatch(/give TASK or --cli-input-json, not both/);
    expect((await runMain(['validate'])).stderr).toMatch(/missing TASK\n/);
  });
});

describe('--json', () => {
  it('prints an unreadable task as {"Error"} on stdout, with the exit code of the contract (R-IN-5)', async () => {
    const run = await runMain(['validate', 'examples/broken/not-json.json', '--json']);
    expect(run.exit).toBe(2);
    expect(JSON.parse(run.stdout)).toEqual({
      Error: {
        Code: 'TASK_NOT_JSON',
        Message: expect.stringMatching(/^examples\/broken\/not-json\.json:4:3: not valid JSON/) as unknown,
        ExitCode: 2,
      },
    });
    expect(run.stderr).toMatch(/^tsbatch validate: examples\/broken\/not-json\.json:4:3/);
  });

  it('prints an invalid task with its issues, and a usage error, as {"Error"}', async () => {
    const invalid = await runMain([
      'dry-run',
      'examples/broken/typos.json',
      '--s3-root',
      'examples/fleet/s3',
      '--json',
    ]);
    expect(invalid.exit).toBe(2);
    const error = (JSON.parse(invalid.stdout) as { Error: { Code: string; Issues: { code: string }[] } })
      .Error;
    expect(error.Code).toBe('TASK_INVALID');
    expect(error.Issues.map((i) => i.code)).toContain('TASK_UNKNOWN_MEMBER');
    const usage = await runMain(['dry-run', FLEET, '--json', '--wokers', '2']);
    expect(usage.exit).toBe(2);
    expect(JSON.parse(usage.stdout)).toMatchObject({ Error: { Code: 'CLI_USAGE', ExitCode: 2 } });
  });

  it('prints times as the AWS CLI v2 does: 2024-05-01T01:30:00.000000+00:00', async () => {
    const run = await runMain([
      'dry-run',
      FLEET,
      '--s3-root',
      'examples/fleet/s3',
      '--table',
      'examples/fleet/table.json',
      '--now',
      '2024-05-01T01:30:00Z',
      '--json',
    ]);
    expect(run.exit).toBe(0);
    const d = (JSON.parse(run.stdout) as { BatchLoadTaskDescription: Record<string, string> })
      .BatchLoadTaskDescription;
    expect(d.CreationTime).toBe('2024-05-01T01:30:00.000000+00:00');
    expect(d.LastUpdatedTime).toMatch(AWS_CLI_V2_TIME);
  });

  it('converts only the time members, at any depth', () => {
    expect(awsCliTime('2024-05-01T01:30:00.123Z')).toBe('2024-05-01T01:30:00.123000+00:00');
    expect(
      withAwsCliTimes({
        A: [{ CreationTime: '2024-05-01T00:00:00.000Z', Name: '2024-05-01T00:00:00.000Z' }],
      }),
    ).toEqual({
      A: [{ CreationTime: '2024-05-01T00:00:00.000000+00:00', Name: '2024-05-01T00:00:00.000Z' }],
    });
  });
});

describe("the run's warnings (issue 18.8)", () => {
  it("word the library's warning with the dry run's own flags as advice, and its code", async () => {
    const run = await runMain(['dry-run', FLEET, '--s3-root', 'examples/fleet/s3']);
    expect(run.exit).toBe(0);
    expect(run.stderr).toBe(
      "note: Time window not checked: the target table's retention is unknown (R-IN-4). Give --table " +
        'DESCRIBE_TABLE.json (or --memory-retention-hours H) to check it; `tsbatch ingest` reads it from the table. ' +
        '[TIME_WINDOW_NOT_CHECKED]\n',
    );
  });
});

describe('a wrong location is not an invalid task (issue 18.6)', () => {
  it.each(['validate', 'dry-run'])(
    '%s: exits 2 with SOURCE_NOT_FOUND and says where it looked',
    async (command) => {
      const run = await runMain([command, FLEET, '--s3-root', 'examples/no-such-root']);
      expect(run.exit).toBe(2);
      expect(run.stderr).toMatch(
        new RegExp(
          `^tsbatch ${command}: the data is not where the location says \\(--s3-root .*examples/no-such-root\\): .*\\[SOURCE_NOT_FOUND\\]\\n`,
        ),
      );
      expect(run.stderr).toMatch(/--s3-root DIR reads bucket B from DIR\/B/);
      expect(run.stderr).not.toMatch(/invalid/);
      expect(run.stdout).toBe('');
    },
  );
});
