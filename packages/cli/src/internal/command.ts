import { parseArgs } from 'node:util';
import { didYouMean as closest } from '@tsbatch/validator';
import { UsageError } from './cli-error.js';

/** One flag of a command: the same table parses argv and writes `--help` (STYLE rule 10). */
export interface OptionSpec {
  name: string;
  /** A one-letter alias, e.g. `h` for `-h`. */
  short?: string;
  type: 'string' | 'boolean';
  /** Placeholder shown in help, e.g. `PATH`. */
  value?: string;
  description: string;
  /** Shown as `(default: …)`. */
  defaultText?: string;
  /** Help section heading, e.g. 'Data model file flags'. */
  group?: string;
  /** The flag may be given several times; read it with `stringsOption`. */
  multiple?: boolean;
}

export interface CommandSpec {
  /** The word that names it: `dry-run`, or `create` under `tasks`. */
  name: string;
  summary: string;
  /** Positional arguments, e.g. `TASK`. */
  positionals: { name: string; required: boolean }[];
  /** Paragraphs shown under the usage line. */
  description: string[];
  options: OptionSpec[];
  examples: { command: string; note: string }[];
  /** Exit codes and their meaning. */
  exitCodes: [number, string][];
  /**
   * A required positional that one of these flags may stand for (`--cli-input-json` for `TASK`), so that the
   * positional may be left out when the flag is given.
   */
  positionalFlags?: Record<string, string>;
  run(args: ParsedArgs, io: Io): Promise<number>;
}

/** A command made of subcommands (`tasks create|describe|list|resume`), each with its own flags and help. */
export interface CommandGroup {
  name: string;
  summary: string;
  description: string[];
  subcommands: CommandSpec[];
}

export interface ParsedArgs {
  positionals: string[];
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
}

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Read for a task given as `-` (AWS CLI habit). @default process.stdin */
  stdin?: NodeJS.ReadableStream;
  cwd: string;
}

export { UsageError };

export const HELP_OPTION: OptionSpec = {
  name: 'help',
  short: 'h',
  type: 'boolean',
  description: 'Show this help.',
};

export function parseCommandArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  const options = Object.fromEntries(
    [...spec.options, HELP_OPTION].map(
      (o) =>
        [
          o.name,
          { type: o.type, multiple: o.multiple === true, ...(o.short !== undefined && { short: o.short }) },
        ] as const,
    ),
  );
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(explainParseError(spec, error));
  }
  const values = parsed.values as ParsedArgs['values'];
  if (values.help === true) return { positionals: parsed.positionals, values };
  const stands = Object.entries(spec.positionalFlags ?? {}).filter(([flag]) => values[flag] !== undefined);
  const required = spec.positionals.filter((p) => p.required && !stands.some(([, name]) => name === p.name));
  if (parsed.positionals.length < required.length) {
    throw new UsageError(`missing ${required[parsed.positionals.length]!.name}`);
  }
  if (parsed.positionals.length > spec.positionals.length) {
    throw new UsageError(`unexpected argument '${parsed.positionals[spec.positionals.length]!}'`);
  }
  for (const [flag, name] of stands) {
    if (parsed.positionals.length > spec.positionals.findIndex((p) => p.name === name)) {
      throw new UsageError(`give ${name} or --${flag}, not both`);
    }
  }
  return { positionals: parsed.positionals, values };
}

function explainParseError(spec: CommandSpec, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(message);
  if (unknown !== null) {
    const flag = unknown[1]!.replace(/^-+/, '');
    const names = [...spec.options, HELP_OPTION].map((o) => o.name);
    const near = closest(flag, names);
    return `unknown option '${unknown[1]!}'${near === undefined ? '' : ` (did you mean '--${near}'?)`}`;
  }
  const missingValue = /Option '(?:-\w, )?(--[^ ]+)[^']*' argument missing/.exec(message);
  if (missingValue !== null) return `option '${missingValue[1]!}' needs a value`;
  return message.replace(/\. To specify a positional argument.*$/s, '');
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** Every value of a repeatable flag, in order. */
export function stringsOption(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function booleanOption(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

/** `--help` of one command, written from its option table; `parent` is the group it belongs to (`tasks`). */
export function formatHelp(spec: CommandSpec, parent?: string): string {
  const name = parent === undefined ? spec.name : `${parent} ${spec.name}`;
  const lines: string[] = [];
  const pos = spec.positionals.map((p) => (p.required ? p.name : `[${p.name}]`)).join(' ');
  lines.push(`Usage: tsbatch ${name}${pos === '' ? '' : ` ${pos}`} [options]`, '');
  lines.push(spec.summary, '');
  for (const paragraph of spec.description) lines.push(paragraph, '');
  const all = [...spec.options, HELP_OPTION];
  const groups = new Map<string, OptionSpec[]>();
  for (const o of all) {
    const g = o.group ?? 'Options';
    groups.set(g, [...(groups.get(g) ?? []), o]);
  }
  const flag = (o: OptionSpec): string =>
    `${o.short === undefined ? '' : `-${o.short}, `}--${o.name}${o.value === undefined ? '' : ` ${o.value}`}${o.multiple === true ? ' …' : ''}`;
  const width = Math.max(...all.map((o) => flag(o).length)) + 2;
  for (const [group, options] of groups) {
    lines.push(`${group}:`);
    for (const o of options) {
      const def = o.defaultText === undefined ? '' : ` (default: ${o.defaultText})`;
      lines.push(`  ${flag(o).padEnd(width)}${o.description}${def}`);
    }
    lines.push('');
  }
  if (spec.examples.length > 0) {
    lines.push('Examples:');
    for (const e of spec.examples) lines.push(`  ${e.command}`, `      ${e.note}`);
    lines.push('');
  }
  lines.push('Exit codes:');
  for (const [code, meaning] of spec.exitCodes) lines.push(`  ${code}  ${meaning}`);
  return `${lines.join('\n')}\n`;
}

/** `--help` of a group: its subcommands, each with its summary. */
export function formatGroupHelp(group: CommandGroup): string {
  const width = Math.max(...group.subcommands.map((c) => c.name.length)) + 2;
  return [
    `Usage: tsbatch ${group.name} <${group.subcommands.map((c) => c.name).join('|')}> [options]`,
    '',
    group.summary,
    '',
    ...group.description.flatMap((paragraph) => [paragraph, '']),
    'Subcommands:',
    ...group.subcommands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    `Run 'tsbatch ${group.name} <subcommand> --help' for its options, examples and exit codes.`,
    '',
  ].join('\n');
}
