// Child process of bench/serve-bench.ts: WriteRecords calls of 100 fleet records (CommonAttributes as tsbatch groups
// them: measure name, MULTI, time unit, version) sent over raw keep-alive HTTP with K calls in flight, so that the
// client costs little and the figure is the endpoint's own rate. Every record is a new point (time increases).
// Bodies are built while sending (10M records of JSON would not fit in memory), about 30 µs a call here.
// `serve-blaster.ts --endpoint URL --records N [--inflight K] [--first I]`; prints {records, calls, seconds}.
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    endpoint: { type: 'string' },
    records: { type: 'string' },
    inflight: { type: 'string', default: '8' },
    first: { type: 'string', default: '0' },
    database: { type: 'string', default: 'BatchLoadExampleDatabase' },
    table: { type: 'string', default: 'BatchLoadExampleTable' },
  },
});
const url = new URL(values.endpoint ?? '');
const total = Number(values.records);
const inflight = Number(values.inflight);
const first = Number(values.first);
const T0 = 1_714_521_600; // 2024-05-01T00:00:00Z, seconds
const agent = new Agent({ keepAlive: true, maxSockets: inflight });

/** Call `call` (0-based): records first + call*100 ... as one WriteRecords body. */
function body(call: number): string {
  const from = first + call * 100;
  const n = Math.min(100, first + total - from);
  const records: string[] = [];
  for (let i = from; i < from + n; i++) {
    const v = (i * 7919) % 5000;
    records.push(
      `{"Dimensions":[{"Name":"vehicle","Value":"vehicle-${v}"},{"Name":"license","Value":"REG-${(v * 7919) % 100000}"}],` +
        `"MeasureValues":[{"Name":"weight","Value":"${1000 + (i % 9000)}.5","Type":"DOUBLE"},` +
        `{"Name":"speed","Value":"${i % 120}.25","Type":"DOUBLE"},{"Name":"fuel","Value":"${i % 30}.125","Type":"DOUBLE"},` +
        `{"Name":"miles","Value":"${i % 1000000}","Type":"BIGINT"}],"Time":"${T0 + i}"}`,
    );
  }
  return (
    `{"DatabaseName":"${values.database}","TableName":"${values.table}","CommonAttributes":` +
    `{"MeasureName":"mva_measure_name","MeasureValueType":"MULTI","TimeUnit":"SECONDS","Version":1},` +
    `"Records":[${records.join(',')}]}`
  );
}

function send(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: '/',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'Timestream_20181101.WriteRecords',
          'content-length': Buffer.byteLength(text),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode === 200) resolve();
          else
            reject(
              new Error(
                `WriteRecords answered ${res.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 300)}`,
              ),
            );
        });
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

const calls = Math.ceil(total / 100);
let next = 0;
const started = performance.now();
async function lane(): Promise<void> {
  while (next < calls) await send(body(next++));
}
await Promise.all(Array.from({ length: inflight }, lane));
const seconds = (performance.now() - started) / 1000;
agent.destroy();
process.stdout.write(`${JSON.stringify({ records: total, calls, seconds })}\n`);
