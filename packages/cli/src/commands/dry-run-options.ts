import type { OptionSpec } from '../internal/command.js';

/** The output and input flags of `tsbatch dry-run` beyond the task, source and table. */
export const DRY_RUN_OPTIONS: OptionSpec[] = [
  {
    name: 'report-dir',
    type: 'string',
    value: 'DIR',
    description:
      "Write DIR/error-report.json (the service's error report, only when something failed) and " +
      'DIR/rejects.jsonl (one line per failed row: file, line, code, reason, cells).',
    group: 'Output',
  },
  {
    name: 'records',
    type: 'string',
    value: 'FILE',
    description: 'Write every record that would be written, one {"source", "record"} JSON object per line.',
    group: 'Output',
  },
  {
    name: 'html',
    type: 'string',
    value: 'FILE',
    description:
      'Write a self-contained HTML report (opens offline): the ProgressReport and cost, failures by reason with ' +
      'line ranges and examples, and charts of failures along each file, record times against the ingestion ' +
      'window, rows per time bucket, nulls and invalid cells per column, top dimension values and the series ' +
      'count. Gathered in the same pass, with bounded memory.',
    group: 'Output',
  },
  {
    name: 'json',
    type: 'boolean',
    description:
      'Print {"BatchLoadTaskDescription": ...} as `aws timestream-write describe-batch-load-task` would (times ' +
      'as the AWS CLI v2 prints them), instead of a summary; an error as {"Error": {"Code", "Message"}}.',
    group: 'Output',
  },
  {
    name: 'encoding',
    type: 'string',
    value: 'NAME',
    description:
      'Decode the files from this encoding (e.g. latin1, utf16le); the service itself needs UTF-8.',
    defaultText: 'UTF-8, as the service',
    group: 'Input',
  },
  {
    name: 'workers',
    type: 'string',
    value: 'N',
    description:
      'Worker threads that read, map and check the files: files in parallel, and byte ranges of a big file ' +
      "(results are exactly those of one thread). Each worker's heap is capped at about 120 MiB; a range that " +
      'needs more is read on the main thread. 1 reads on the main thread. Sources under 16 MiB, --records ' +
      'and --encoding read on one thread.',
    defaultText: 'the number of cores',
    group: 'Input',
  },
  {
    name: 'write-price',
    type: 'string',
    value: 'USD',
    description: 'Price of one million 1 KiB writes, for the cost estimate.',
    defaultText: '0.50 (us-east-1 list price)',
    group: 'Output',
  },
];
