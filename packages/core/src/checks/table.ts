/**
 * R-IN-4: the target table's retention, read from a DescribeTable response (`aws timestream-write
 * describe-table` prints `{"Table": {...}}`) or a bare Table object.
 */

export interface TableRetention {
  memoryStoreRetentionPeriodInHours: number;
  magneticStoreRetentionPeriodInDays: number;
  enableMagneticStoreWrites: boolean;
}

export type ParseTableDescriptionResult =
  { ok: true; retention: TableRetention; name?: string; database?: string } | { ok: false; message: string };

/** API bounds of RetentionProperties (ts-limits). */
const MEMORY_HOURS = { min: 1, max: 8766 } as const;
const MAGNETIC_DAYS = { min: 1, max: 73000 } as const;

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${value}`;
  return typeof value;
}

/** Accepts `{"Table": {...}}` as `aws timestream-write describe-table` prints it, or a bare Table object. Errors name the JSON path. */
export function parseTableDescription(json: unknown): ParseTableDescriptionResult {
  if (!isObject(json)) {
    return { ok: false, message: `Table description: expected a JSON object at /, found ${describe(json)}` };
  }
  let table: JsonObject = json;
  let base = '';
  if ('Table' in json) {
    const inner = json['Table'];
    if (!isObject(inner)) {
      return {
        ok: false,
        message: `Table description: expected an object at /Table, found ${describe(inner)}`,
      };
    }
    table = inner;
    base = '/Table';
  }

  const retentionPath = `${base}/RetentionProperties`;
  const retention = table['RetentionProperties'];
  if (retention === undefined) {
    return { ok: false, message: `Table description: ${retentionPath} is missing` };
  }
  if (!isObject(retention)) {
    return {
      ok: false,
      message: `Table description: expected an object at ${retentionPath}, found ${describe(retention)}`,
    };
  }
  const memory = integerIn(
    retention,
    'MemoryStoreRetentionPeriodInHours',
    retentionPath,
    MEMORY_HOURS.min,
    MEMORY_HOURS.max,
  );
  if (typeof memory === 'string') return { ok: false, message: memory };
  const magnetic = integerIn(
    retention,
    'MagneticStoreRetentionPeriodInDays',
    retentionPath,
    MAGNETIC_DAYS.min,
    MAGNETIC_DAYS.max,
  );
  if (typeof magnetic === 'string') return { ok: false, message: magnetic };

  let enableMagneticStoreWrites = false; // the service's default
  const writesPath = `${base}/MagneticStoreWriteProperties`;
  const writes = table['MagneticStoreWriteProperties'];
  if (writes !== undefined) {
    if (!isObject(writes)) {
      return {
        ok: false,
        message: `Table description: expected an object at ${writesPath}, found ${describe(writes)}`,
      };
    }
    const enable = writes['EnableMagneticStoreWrites'];
    if (enable !== undefined) {
      if (typeof enable !== 'boolean') {
        return {
          ok: false,
          message: `Table description: expected true or false at ${writesPath}/EnableMagneticStoreWrites, found ${describe(enable)}`,
        };
      }
      enableMagneticStoreWrites = enable;
    }
  }

  const result: ParseTableDescriptionResult = {
    ok: true,
    retention: {
      memoryStoreRetentionPeriodInHours: memory,
      magneticStoreRetentionPeriodInDays: magnetic,
      enableMagneticStoreWrites,
    },
  };
  const name = table['TableName'];
  if (typeof name === 'string') result.name = name;
  const database = table['DatabaseName'];
  if (typeof database === 'string') result.database = database;
  return result;
}

/** The integer member `key` of `object` within [min, max], or the error message naming its path. */
function integerIn(object: JsonObject, key: string, path: string, min: number, max: number): number | string {
  const at = `${path}/${key}`;
  const value = object[key];
  if (value === undefined) return `Table description: ${at} is missing`;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    return `Table description: expected an integer at ${at}, found ${describe(value)}`;
  }
  if (value < min || value > max) {
    return `Table description: ${at} is ${value}; it must be between ${min} and ${max}`;
  }
  return value;
}
