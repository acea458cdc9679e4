import path from 'node:path';
import {
  DEFAULT_MAX_BODY_BYTES,
  LocalError,
  parseFaultSpec,
  resolveFaultOptions,
  startServer,
  type FaultOptions,
  type LocalServer,
  type LocalServerOptions,
  type RequestLogEntry,
} from '@tsbatch/local';
import { createRequestLog } from '../internal/request-log.js';
import {
  booleanOption,
  stringOption,
  stringsOption,
  UsageError,
  type CommandSpec,
  type ParsedArgs,
} from '../internal/command.js';
import {
  awsPackageSettings,
  PROFILE_OPTION,
  S3_ENDPOINT_OPTION,
  type AwsSettings,
} from '../internal/aws-settings.js';
import { createS3Reader, createS3Writer } from '@tsbatch/aws';

/** [choice] The port when --port is not given: fixed, so SDK configurations can name it. */
const DEFAULT_PORT = 8000;

export const serveCommand: CommandSpec = {
  name: 'serve',
  summary:
    'Run a local Timestream-Write endpoint that any AWS SDK can talk to (WriteRecords, tables, batch load), with ' +
    "QLDB's journal export.",
  positionals: [],
  description: [
    "Serves the Timestream-Write API (AWS JSON 1.0, X-Amz-Target Timestream_20181101.*) with the service's rules " +
      'and errors: databases, tables, WriteRecords (version rules, time window, limits, RejectedRecords), ' +
      'DescribeEndpoints, and the batch-load operations run by the tsbatch engine over buckets mapped to folders.',
    "On the same port it speaks QLDB's journal-export API (REST-JSON, the requests of any QLDB SDK client, R-QLDB-1): " +
      'ExportJournalToS3 (POST /ledgers/NAME/journal-s3-exports), DescribeJournalS3Export, ' +
      'ListJournalS3ExportsForLedger and ListJournalS3Exports. A ledger is a database; its journal is every write ' +
      'committed to its tables, one block per WriteRecords call and per batch-load chunk (R-QLDB-2). Exports run ' +
      "on worker threads (at most two per ledger at once) and write into --s3-root's bucket folders (R-QLDB-4); " +
      "'tsbatch journal-export' starts one and waits for it.",
    'The first line of standard output is the endpoint URL; pass it to an SDK as its endpoint (never together ' +
      'with endpointDiscoveryEnabled). Requests are summed up on standard error every 10 seconds (how many, which ' +
      'operations, which statuses); --log-requests logs one line per request instead. Neither ever shows ' +
      'credentials or record contents. Data stays in --data-dir across restarts. SIGINT or SIGTERM stops the ' +
      'server cleanly.',
  ],
  options: [
    {
      name: 'host',
      type: 'string',
      value: 'HOST',
      description:
        'Interface to listen on. 0.0.0.0 (or any address other than loopback) lets other machines call it: a ' +
        'warning is printed; add --verify-sigv4.',
      defaultText: '127.0.0.1',
    },
    {
      name: 'port',
      type: 'string',
      value: 'N',
      description: 'Port to listen on; 0 picks a free one.',
      defaultText: String(DEFAULT_PORT),
    },
    {
      name: 'data-dir',
      type: 'string',
      value: 'DIR',
      description: 'Where databases, tables, records and tasks are kept.',
      defaultText: '.tsbatch/local',
    },
    {
      name: 's3-root',
      type: 'string',
      value: 'DIR',
      description:
        'Folder holding one folder per bucket: batch-load sources are read from, and error reports and QLDB ' +
        'journal exports written to, DIR/<bucket>/<key>. Without it, batch-load tasks read S3 and put their error ' +
        'reports there (R-S3-1, R-S3-2: s3://<report bucket>/<prefix>/<TaskId>/error-report.json).',
    },
    { ...S3_ENDPOINT_OPTION, group: 'Options' },
    { ...PROFILE_OPTION, group: 'Options' },
    {
      name: 'region',
      type: 'string',
      value: 'NAME',
      description: 'Region in ARNs.',
      defaultText: 'us-east-1',
    },
    {
      name: 'account-id',
      type: 'string',
      value: 'ID',
      description: 'Account in ARNs.',
      defaultText: '000000000000',
    },
    {
      name: 'verify-sigv4',
      type: 'boolean',
      description:
        'Accept only requests signed (SigV4) with the key below: a wrong key answers ' +
        'UnrecognizedClientException, a wrong secret or signature InvalidSignatureException, none ' +
        'MissingAuthenticationTokenException (403). Without it any signature is accepted.',
      group: 'Security',
    },
    {
      name: 'access-key-id',
      type: 'string',
      value: 'KEYID',
      description: 'The access key id --verify-sigv4 accepts.',
      defaultText: 'AWS_ACCESS_KEY_ID',
      group: 'Security',
    },
    {
      name: 'secret-access-key',
      type: 'string',
      value: 'SECRET',
      description:
        'Its secret. Prefer the environment variable: a flag is visible to other users of the machine (ps).',
      defaultText: 'AWS_SECRET_ACCESS_KEY',
      group: 'Security',
    },
    {
      name: 'max-body-bytes',
      type: 'string',
      value: 'N',
      description:
        'Largest request body; a larger one answers 413 RequestEntityTooLargeException unread and the ' +
        'connection is closed. A legal WriteRecords (100 records of at most 2 KiB) stays under 3 MiB.',
      defaultText: String(DEFAULT_MAX_BODY_BYTES),
      group: 'Security',
    },
    {
      name: 'headers-timeout',
      type: 'string',
      value: 'MS',
      description: 'Time a client has to send the request head; a slower one gets 408 and is cut off.',
      defaultText: '10000',
      group: 'Security',
    },
    {
      name: 'request-timeout',
      type: 'string',
      value: 'MS',
      description: 'Time a client has to send the whole request (head and body).',
      defaultText: '60000',
      group: 'Security',
    },
    {
      name: 'idle-timeout',
      type: 'string',
      value: 'MS',
      description:
        'A connection with no traffic either way for this long is closed. Kept-alive idle connections are ' +
        'closed after 5000 ms; the SDKs reopen them.',
      defaultText: '120000',
      group: 'Security',
    },
    {
      name: 'fault',
      type: 'string',
      value: 'SPEC[,...]',
      description:
        'Fault injection on WriteRecords, comma-separated: throttle=F (ThrottlingException), error=F ' +
        '(InternalServerException), drop=F (connection dropped before the write), lost=F (the write is applied, ' +
        'then the connection dropped), delay=MS:F (e.g. 200ms:0.1); F is the fraction ' +
        'of calls. Repeat --fault or list several in one. Change them at run time with POST /_tsbatch/faults.',
      defaultText: 'none',
      group: 'Testing',
      multiple: true,
    },
    {
      name: 'fault-seed',
      type: 'string',
      value: 'N',
      description: 'Seed of the fault draws, for reproducible runs.',
      defaultText: 'random',
      group: 'Testing',
    },
    {
      name: 'log-requests',
      type: 'boolean',
      description:
        'Log one line per request (operation, status, time) instead of a summary every 10 seconds.',
      group: 'Output',
    },
    {
      name: 'quiet',
      type: 'boolean',
      description: 'Do not log requests on standard error.',
      group: 'Output',
    },
  ],
  examples: [
    {
      command: 'tsbatch serve',
      note: `Serve on http://127.0.0.1:${DEFAULT_PORT} with data in .tsbatch/local.`,
    },
    {
      command: 'tsbatch serve --port 0 --s3-root examples/fleet/s3',
      note: 'Any free port (printed first), batch-load tasks reading buckets from examples/fleet/s3.',
    },
    {
      command: 'tsbatch serve --port 0 --s3-endpoint-url http://127.0.0.1:9000',
      note: 'Batch-load tasks and journal exports read and write the buckets of an S3-compatible server (no AWS account).',
    },
    {
      command:
        'AWS_ACCESS_KEY_ID=AKIDLOCAL AWS_SECRET_ACCESS_KEY=local-secret tsbatch serve --host 0.0.0.0 --verify-sigv4',
      note: 'Reachable from other machines, answering only requests signed with that key.',
    },
    {
      command: 'tsbatch serve --fault throttle=0.3,error=0.05 --fault-seed 42',
      note: "Throttle 30 % and fail 5 % of WriteRecords calls, reproducibly, to test a client's retries.",
    },
  ],
  exitCodes: [
    [0, 'stopped by SIGINT or SIGTERM after a clean shutdown'],
    [1, 'could not start (port or data folder in use)'],
    [2, 'usage error'],
  ],
  async run(args, io): Promise<number> {
    const { s3, ...options } = serveOptions(args, io.cwd, process.env);
    if (s3 !== undefined) options.objects = await serveS3Objects(s3);
    const quiet = booleanOption(args, 'quiet');
    if (quiet && booleanOption(args, 'log-requests'))
      throw new UsageError('give --quiet or --log-requests, not both');
    const log = (line: string): void => void io.stderr.write(`${new Date().toISOString()} ${line}\n`);
    // Issue 18: requests summed up unless --log-requests; task events and errors are logged as they come.
    const requests = quiet || booleanOption(args, 'log-requests') ? null : createRequestLog(log);
    let server: LocalServer;
    try {
      server = await startServer({
        ...options,
        // Issue 16: what start-up does goes to stderr before the URL line (a large store says how big it is).
        announce: (line: string) => void io.stderr.write(`tsbatch serve: ${line}\n`),
        ...(!quiet && { log }),
        ...(requests !== null && { onRequest: (r: RequestLogEntry) => requests.add(r) }),
      });
    } catch (error) {
      requests?.close();
      const e = error as NodeJS.ErrnoException;
      if (error instanceof LocalError || e.code === 'EADDRINUSE' || e.code === 'EACCES') {
        io.stderr.write(`tsbatch serve: cannot start: ${e.message}\n`);
        return 1;
      }
      throw error;
    }
    // The URL first, alone on its line: scripts read it (R-LOCAL-1).
    io.stdout.write(`${server.url}\n`);
    if (!isLoopback(options.host ?? '127.0.0.1')) {
      io.stderr.write(
        `tsbatch serve: warning: listening on ${options.host ?? ''}, not loopback: other machines can call this ` +
          `endpoint${options.credentials === undefined ? ' and, without --verify-sigv4, need no key' : ''}; the ` +
          'admin calls under /_tsbatch/ are never checked\n',
      );
    }
    io.stderr.write(
      `tsbatch serve: listening on ${server.url}, data in ${options.dataDir}` +
        `${options.s3Root === undefined ? ', buckets in S3' : `, buckets in ${options.s3Root}`}; SIGINT or SIGTERM stops it\n`,
    );
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      const stop = (name: NodeJS.Signals): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve(name);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    io.stderr.write(`tsbatch serve: ${signal}: stopping\n`);
    await server.close();
    requests?.close();
    io.stderr.write('tsbatch serve: stopped; the store is flushed\n');
    return 0;
  },
};

/** Server options from the flags; `s3` (no --s3-root): the settings of the S3 that buckets are read from and written to. */
export type ServeOptions = LocalServerOptions & { dataDir: string; s3Root?: string; s3?: AwsSettings };

/**
 * R-S3-1 / R-S3-2 / R-QLDB-4: the S3 reader and writer of batch-load tasks and journal exports, with the settings of
 * the CLI's other S3 paths (awsPackageSettings: on a loopback endpoint the region defaults and the credentials are
 * those configured or placeholders, so `--s3-endpoint-url http://127.0.0.1:PORT` needs no AWS account).
 */
export async function serveS3Objects(
  settings: AwsSettings,
): Promise<NonNullable<LocalServerOptions['objects']>> {
  const resolved = await awsPackageSettings(settings);
  return { reader: createS3Reader(resolved), writer: createS3Writer(resolved) };
}

/** The flags as server options; UsageError names the bad flag. */
export function serveOptions(args: ParsedArgs, cwd: string, env: NodeJS.ProcessEnv = {}): ServeOptions {
  const portText = stringOption(args, 'port');
  const port = portText === undefined ? DEFAULT_PORT : Number(portText);
  if (!/^\d+$/.test(portText ?? '0') || port > 65535) {
    throw new UsageError(`--port must be a whole number from 0 to 65535, got '${portText ?? ''}'`);
  }
  const options: ServeOptions = {
    host: stringOption(args, 'host') ?? '127.0.0.1',
    port,
    dataDir: path.resolve(cwd, stringOption(args, 'data-dir') ?? '.tsbatch/local'),
  };
  const s3Root = stringOption(args, 's3-root');
  const s3Endpoint = stringOption(args, 's3-endpoint-url');
  const profile = stringOption(args, 'profile');
  if (s3Root !== undefined) {
    if (s3Endpoint !== undefined || profile !== undefined) {
      throw new UsageError('give either --s3-root or S3 (--s3-endpoint-url, --profile), not both');
    }
    options.s3Root = path.resolve(cwd, s3Root);
  } else {
    // R-S3-1 / R-S3-2 / R-QLDB-4: without folders standing for buckets, batch-load tasks and exports use S3 itself.
    options.s3 = {
      ...(s3Endpoint !== undefined && { s3Endpoint }),
      ...(profile !== undefined && { profile }),
    };
  }
  const region = stringOption(args, 'region');
  if (region !== undefined) options.region = region;
  const account = stringOption(args, 'account-id');
  if (account !== undefined) options.accountId = account;

  const keyId = stringOption(args, 'access-key-id') ?? env['AWS_ACCESS_KEY_ID'];
  const secret = stringOption(args, 'secret-access-key') ?? env['AWS_SECRET_ACCESS_KEY'];
  if (booleanOption(args, 'verify-sigv4')) {
    if (keyId === undefined || keyId === '' || secret === undefined || secret === '') {
      throw new UsageError(
        '--verify-sigv4 needs a key: --access-key-id and --secret-access-key, or AWS_ACCESS_KEY_ID and ' +
          'AWS_SECRET_ACCESS_KEY in the environment',
      );
    }
    options.credentials = [{ accessKeyId: keyId, secretAccessKey: secret }];
  } else if (
    stringOption(args, 'access-key-id') !== undefined ||
    stringOption(args, 'secret-access-key') !== undefined
  ) {
    throw new UsageError('--access-key-id and --secret-access-key are only used with --verify-sigv4');
  }
  const limits = [
    ['max-body-bytes', 'maxBodyBytes'],
    ['headers-timeout', 'headersTimeoutMs'],
    ['request-timeout', 'requestTimeoutMs'],
    ['idle-timeout', 'idleTimeoutMs'],
  ] as const;
  for (const [flag, key] of limits) {
    const text = stringOption(args, flag);
    if (text === undefined) continue;
    if (!/^[1-9]\d*$/.test(text) || !Number.isSafeInteger(Number(text))) {
      throw new UsageError(`--${flag} must be a positive whole number, got '${text}'`);
    }
    options[key] = Number(text);
  }
  if ((options.headersTimeoutMs ?? 10_000) > (options.requestTimeoutMs ?? 60_000)) {
    throw new UsageError('--headers-timeout must not exceed --request-timeout');
  }

  let faults: FaultOptions = {};
  const specs = stringsOption(args, 'fault');
  try {
    if (specs.length > 0) faults = parseFaultSpec(specs.join(','));
  } catch (error) {
    throw new UsageError(`--fault: ${(error as Error).message}`);
  }
  const seed = stringOption(args, 'fault-seed');
  if (seed !== undefined) {
    if (!/^\d+$/.test(seed)) throw new UsageError(`--fault-seed must be a whole number, got '${seed}'`);
    faults.seed = Number(seed);
  }
  try {
    resolveFaultOptions(faults);
  } catch (error) {
    throw new UsageError(`--fault: ${(error as Error).message}`);
  }
  options.faults = faults;
  return options;
}

/** Loopback addresses: only this machine can connect. */
function isLoopback(host: string): boolean {
  return (
    host === 'localhost' ||
    host === '::1' ||
    /^127\.\d+\.\d+\.\d+$/.test(host) ||
    /^::ffff:127\.\d+\.\d+\.\d+$/i.test(host)
  );
}
