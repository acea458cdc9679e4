/**
 * `tsbatch journal-export` (R-QLDB-1..4, issue 20): asks a running `tsbatch serve` for a QLDB journal export
 * (ExportJournalToS3 over the QLDB REST API) and waits for it with progress, for users without a QLDB client. The
 * rules live in @tsbatch/local's endpoint; this file reads the flags, calls the API and shows the status.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { booleanOption, stringOption, UsageError, type CommandSpec, type Io } from '../internal/command.js';

const FORMATS = { 'ion-text': 'ION_TEXT', 'ion-binary': 'ION_BINARY', json: 'JSON' } as const;
const ENCRYPTIONS = ['NO_ENCRYPTION', 'SSE_S3', 'SSE_KMS'] as const;
/** [choice] The local endpoint does not assume the role; QLDB requires one, so a placeholder is sent. */
const DEFAULT_ROLE_ARN = 'arn:aws:iam::000000000000:role/tsbatch-journal-export';
const POLL_MS = 250;
/** Without a terminal, a progress line this often. */
const LINE_EVERY_MS = 5_000;
/** [choice] QLDB errors that a later try of the same command may get past: exit 1, not 2. */
const RETRYABLE = new Set(['LimitExceededException', 'ResourcePreconditionNotMetException']);

interface Description {
  ExportId: string;
  Status: 'IN_PROGRESS' | 'COMPLETED' | 'CANCELLED';
  InclusiveStartTime: number;
  ExclusiveEndTime: number;
  tsbatch?: { Blocks?: number; Revisions?: number; Objects?: number; CancellationReason?: string };
}

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const EXPORT = 'Export';
export const journalExportCommand: CommandSpec = {
  name: 'journal-export',
  summary:
    "Export a ledger's journal from a running 'tsbatch serve' into a bucket folder (QLDB ExportJournalToS3).",
  positionals: [],
  description: [
    "Calls ExportJournalToS3 of the QLDB API that 'tsbatch serve' speaks on its port, then DescribeJournalS3Export " +
      'until the export is COMPLETED or CANCELLED, showing the blocks and revisions written. A ledger is a database ' +
      'of the endpoint; its journal is every write committed to its tables (one block per WriteRecords call and per ' +
      "chunk a batch-load task commits). The objects go to <serve's --s3-root>/<bucket>/<prefix>, or to s3://<bucket>/<prefix> " +
      'when serve reads S3 (no --s3-root, R-S3-2): ' +
      '<id>.started.manifest, yyyy/mm/dd/hh/<strand>.<first>-<last>.ion|json, <id>.<strand>.completed.manifest.',
    'Rules (R-QLDB-3, checked by the endpoint): the start must be before the end, the end not in the future (of ' +
      "the server's clock); a start before the ledger's creation is moved to it; at most two exports of a ledger run " +
      'at once (a third is refused: exit 1, try again later). Requests are not signed: not for a server started ' +
      'with --verify-sigv4.',
  ],
  options: [
    {
      name: 'endpoint-url',
      type: 'string',
      value: 'URL',
      description: "The running 'tsbatch serve' (the URL it prints).",
      group: EXPORT,
    },
    {
      name: 'ledger',
      type: 'string',
      value: 'NAME',
      description: 'The ledger (a database of the endpoint).',
      group: EXPORT,
    },
    {
      name: 'bucket',
      type: 'string',
      value: 'NAME',
      description: "A bucket: a folder under serve's --s3-root, or an S3 bucket when serve has none.",
      group: EXPORT,
    },
    {
      name: 'prefix',
      type: 'string',
      value: 'P',
      description: 'Key prefix (a folder).',
      defaultText: 'none',
      group: EXPORT,
    },
    {
      name: 'start',
      type: 'string',
      value: 'ISO8601',
      description: 'Inclusive start (blocks by commit time).',
      defaultText: "the ledger's creation",
      group: EXPORT,
    },
    {
      name: 'end',
      type: 'string',
      value: 'ISO8601',
      description: 'Exclusive end.',
      defaultText: 'now',
      group: EXPORT,
    },
    {
      name: 'format',
      type: 'string',
      value: Object.keys(FORMATS).join('|'),
      description: 'Ion text, Ion binary or JSON Lines (one block per line).',
      defaultText: 'ion-text',
      group: EXPORT,
    },
    {
      name: 'encryption',
      type: 'string',
      value: ENCRYPTIONS.join('|'),
      description: 'ObjectEncryptionType (recorded; the local folder is not encrypted).',
      defaultText: 'NO_ENCRYPTION',
      group: EXPORT,
    },
    {
      name: 'kms-key-arn',
      type: 'string',
      value: 'ARN',
      description: 'The key of SSE_KMS (required with it).',
      group: EXPORT,
    },
    {
      name: 'role-arn',
      type: 'string',
      value: 'ARN',
      description: 'RoleArn sent.',
      defaultText: DEFAULT_ROLE_ARN,
      group: EXPORT,
    },
    {
      name: 'no-wait',
      type: 'boolean',
      description: 'Print the ExportId and return at once.',
      group: 'Output',
    },
    {
      name: 'json',
      type: 'boolean',
      description: 'Print the final JournalS3ExportDescription as JSON.',
      group: 'Output',
    },
  ],
  examples: [
    {
      command:
        'tsbatch journal-export --endpoint-url http://127.0.0.1:8000 --ledger fleet --bucket exports --prefix journal',
      note: 'The whole journal of the fleet database as Ion text into <s3-root>/exports/journal/.',
    },
    {
      command:
        'tsbatch journal-export --endpoint-url http://127.0.0.1:8000 --ledger fleet --bucket exports ' +
        '--start 2024-05-01T00:00:00Z --end 2024-05-02T00:00:00Z --format json',
      note: 'The blocks committed on one day, as JSON Lines.',
    },
  ],
  exitCodes: [
    [0, 'the export is COMPLETED (or started, with --no-wait)'],
    [1, 'CANCELLED (the reason is printed), refused for now (two exports running), or the endpoint failed'],
    [2, 'usage error, or refused by the rules (InvalidParameterException, no such ledger)'],
    [130, 'interrupted (Ctrl-C): the export goes on in the server'],
  ],
  async run(args, io): Promise<number> {
    const url = required(args.values, 'endpoint-url').replace(/\/+$/, '');
    const ledger = required(args.values, 'ledger');
    const body = requestBody(args);
    let id: string;
    try {
      const started = (await call(
        url,
        'POST',
        `/ledgers/${encodeURIComponent(ledger)}/journal-s3-exports`,
        body,
      )) as {
        ExportId: string;
      };
      id = started.ExportId;
    } catch (error) {
      return failed(io, error);
    }
    if (booleanOption(args, 'no-wait')) {
      io.stdout.write(`${id}\n`);
      return 0;
    }
    const abort = new AbortController();
    const onSignal = (): void => abort.abort();
    process.once('SIGINT', onSignal);
    try {
      const d = await wait(url, ledger, id, io, abort.signal);
      if (booleanOption(args, 'json')) io.stdout.write(`${JSON.stringify(d, null, 2)}\n`);
      else
        io.stdout.write(
          `${summary(ledger, d, stringOption(args, 'bucket')!, stringOption(args, 'prefix') ?? '')}\n`,
        );
      if (d.Status === 'COMPLETED') return 0;
      io.stderr.write(
        `tsbatch journal-export: the export was CANCELLED: ${d.tsbatch?.CancellationReason ?? 'no reason given'}\n`,
      );
      return 1;
    } catch (error) {
      if (abort.signal.aborted) {
        io.stderr.write(`Interrupted: stopped waiting; export ${id} goes on in the server.\n`);
        return 130;
      }
      return failed(io, error);
    } finally {
      process.off('SIGINT', onSignal);
    }
  },
};

function requestBody(args: Parameters<CommandSpec['run']>[0]): object {
  const v = args.values;
  const format = stringOption(args, 'format') ?? 'ion-text';
  if (!Object.hasOwn(FORMATS, format)) {
    throw new UsageError(`--format must be one of ${Object.keys(FORMATS).join(', ')}, got '${format}'`);
  }
  const encryption = stringOption(args, 'encryption') ?? 'NO_ENCRYPTION';
  if (!(ENCRYPTIONS as readonly string[]).includes(encryption)) {
    throw new UsageError(`--encryption must be one of ${ENCRYPTIONS.join(', ')}, got '${encryption}'`);
  }
  const kms = stringOption(args, 'kms-key-arn');
  return {
    InclusiveStartTime: epochOf('start', stringOption(args, 'start') ?? '1970-01-01T00:00:00Z'),
    ExclusiveEndTime: epochOf('end', stringOption(args, 'end') ?? new Date().toISOString()),
    RoleArn: stringOption(args, 'role-arn') ?? DEFAULT_ROLE_ARN,
    OutputFormat: FORMATS[format as keyof typeof FORMATS],
    S3ExportConfiguration: {
      Bucket: required(v, 'bucket'),
      Prefix: stringOption(args, 'prefix') ?? '',
      EncryptionConfiguration: {
        ObjectEncryptionType: encryption,
        ...(kms !== undefined && { KmsKeyArn: kms }),
      },
    },
  };
}

async function wait(
  url: string,
  ledger: string,
  id: string,
  io: Io,
  signal: AbortSignal,
): Promise<Description> {
  const path = `/ledgers/${encodeURIComponent(ledger)}/journal-s3-exports/${encodeURIComponent(id)}`;
  const started = Date.now();
  let lastLine = 0;
  const tty = io.stderr.isTTY === true;
  for (;;) {
    const d = ((await call(url, 'GET', path, undefined, signal)) as { ExportDescription: Description })
      .ExportDescription;
    const p = d.tsbatch ?? {};
    const seconds = (Date.now() - started) / 1000;
    const line =
      `export ${id} of ${ledger}: ${d.Status}, ${p.Blocks ?? 0} blocks, ${p.Revisions ?? 0} revisions, ` +
      `${p.Objects ?? 0} objects (${seconds > 0 ? Math.round((p.Revisions ?? 0) / seconds) : 0} revisions/s)`;
    if (d.Status !== 'IN_PROGRESS') {
      if (tty) io.stderr.write('\r\x1b[K');
      return d;
    }
    if (tty) io.stderr.write(`\r\x1b[K${line}`);
    else if (Date.now() - lastLine >= LINE_EVERY_MS) {
      lastLine = Date.now();
      io.stderr.write(`${line}\n`);
    }
    await sleep(POLL_MS, undefined, { signal });
  }
}

function summary(ledger: string, d: Description, bucket: string, prefix: string): string {
  const p = d.tsbatch ?? {};
  const range = `[${new Date(d.InclusiveStartTime * 1000).toISOString()}, ${new Date(d.ExclusiveEndTime * 1000).toISOString()})`;
  return (
    `Journal export ${d.ExportId} of ${ledger} ${range}: ${d.Status}, ${p.Blocks ?? 0} blocks, ` +
    `${p.Revisions ?? 0} revisions in ${p.Objects ?? 0} objects under s3://${bucket}/${prefix}`
  );
}

async function call(
  url: string,
  method: string,
  path: string,
  body?: object,
  signal?: AbortSignal,
): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${url}${path}`, {
      method,
      ...(body !== undefined && {
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      }),
      ...(signal !== undefined && { signal }),
    });
  } catch (error) {
    if (signal?.aborted === true) throw error;
    throw new ApiError('EndpointUnreachable', `cannot reach ${url}: ${(error as Error).message}`);
  }
  const text = await res.text();
  if (res.ok) return JSON.parse(text) as unknown;
  const type = res.headers.get('x-amzn-errortype')?.split(':')[0] ?? `HTTP ${res.status}`;
  let message = text;
  try {
    message = (JSON.parse(text) as { Message?: string }).Message ?? text;
  } catch {
    // not JSON: the text as is
  }
  throw new ApiError(type, message);
}

function failed(io: Io, error: unknown): number {
  if (!(error instanceof ApiError)) throw error;
  io.stderr.write(`tsbatch journal-export: ${error.message} [${error.type}]\n`);
  return RETRYABLE.has(error.type) || error.type === 'EndpointUnreachable' || error.type.startsWith('HTTP 5')
    ? 1
    : 2;
}

function required(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`missing --${name}`);
  return v;
}

function epochOf(name: string, text: string): number {
  // A zone is required: a local time is ambiguous (as for `tsbatch export`).
  const ms = /(Z|[+-]\d{2}:\d{2})$/.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new UsageError(
      `--${name} must be an ISO 8601 date-time with a zone, such as 2024-05-01T00:00:00Z, got '${text}'`,
    );
  }
  return ms / 1000;
}
