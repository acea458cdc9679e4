import { parseArgs } from 'node:util';
import { didYouMean as closest } from '@tsbatch/validator';

/** One flag of a command: the same table parses argv and writes `--help` (STYLE rule 10). */
export interface OptionSpec {
  name: string;
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
  name: string;
  summary: string;
  /** Positional arguments, e.g. `TASK.json`. */
  positionals: { name: string; required: boolean }[];
  /** Paragraphs shown under the usage line. */
  description: string[];
  options: OptionSpec[];
  examples: { command: string; note: string }[];
  /** Exit codes and their meaning. */
  exitCodes: [number, string][];
  run(args: ParsedArgs, io: Io): Promise<number>;
}

export interface ParsedArgs {
  positionals: string[];
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
}

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  cwd: string;
}

/** A usage error: exit 2 with the message (and a pointer to --help). */
export class UsageError extends Error {
  readonly code = 'CLI_USAGE';
}

export const HELP_OPTION: OptionSpec = { name: 'help', type: 'boolean', description: 'Show this help.' };

export function parseCommandArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  const options = Object.fromEntries(
    [...spec.options, HELP_OPTION].map(
      (o) => [o.name, { type: o.type, multiple: o.multiple === true }] as const,
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
  const required = spec.positionals.filter((p) => p.required);
  if (parsed.positionals.length < required.length) {
    throw new UsageError(`missing ${required[parsed.positionals.length]!.name}`);
  }
  if (parsed.positionals.length > spec.positionals.length) {
    throw new UsageError(`unexpected argument '${parsed.positionals[spec.positionals.length]!}'`);
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
  const missingValue = /Option '(--[^ ]+)[^']*' argument missing/.exec(message);
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

export function formatHelp(spec: CommandSpec): string {
  const lines: string[] = [];
  const pos = spec.positionals.map((p) => (p.required ? p.name : `[${p.name}]`)).join(' ');
  lines.push(`Usage: tsbatch ${spec.name}${pos === '' ? '' : ` ${pos}`} [options]`, '');
  lines.push(spec.summary, '');
  for (const paragraph of spec.description) lines.push(paragraph, '');
  const groups = new Map<string, OptionSpec[]>();
  for (const o of [...spec.options, HELP_OPTION]) {
    const g = o.group ?? 'Options';
    groups.set(g, [...(groups.get(g) ?? []), o]);
  }
  const flag = (o: OptionSpec): string =>
    `--${o.name}${o.value === undefined ? '' : ` ${o.value}`}${o.multiple === true ? ' …' : ''}`;
  const width = Math.max(...[...spec.options, HELP_OPTION].map((o) => flag(o).length)) + 2;
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
