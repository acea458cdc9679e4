/**
 * The DataModel a sample suggests (tsbatch init): the time column and its unit, dimensions, measures with their
 * MeasureValueType, the measure name, legal names; each choice with the reason the report gives for it.
 */
import type {
  DataModel,
  MultiMeasureAttributeMapping,
  ScalarMeasureValueType,
  TimeUnit,
} from '@tsbatch/core';
import { MAGNITUDE_UNITS, type ColumnProfile } from './column-profile.js';
import { NameLegalizer } from './legal-names.js';

export interface InferNote {
  topic: 'source' | 'csv' | 'time' | 'dimension' | 'measure' | 'name' | 'check';
  text: string;
}

export interface ModelChoice {
  model: DataModel;
  notes: InferNote[];
  /** A text time column needs converting to epoch integers before any load (R-TIME-1). */
  conversion: string | null;
}

export type ModelResult =
  { ok: true; choice: ModelChoice } | { ok: false; code: InferErrorCode; message: string };

export type InferErrorCode = 'INIT_NO_TIME_COLUMN' | 'INIT_NO_DIMENSION' | 'INIT_NO_MEASURE';

export interface ModelOptions {
  timeColumn?: string;
  measureName?: string;
}

const TIME_NAME =
  /^(time|timestamp|ts|epoch|datetime|date_time|event_time|time_stamp|date)$|(_time|_ts|_at|time|timestamp|_epoch|_date)$/i;
const ID_NAME = /^id$|_id$|[a-z]Id$|^id_|_code$|_key$/;
const MEASURE_NAME_COLUMN = /^(measure_name|measure|metric|metric_name|measurename)$/i;
const MAX_DIMENSION_VALUE_BYTES = 1024;

const pct = (n: number, of: number): string => `${n} of ${of}`;
const iso = (ms: number): string =>
  Number.isFinite(ms) ? new Date(ms).toISOString().replace('.000Z', 'Z') : '?';
const MS_PER: Readonly<Record<TimeUnit, number>> = {
  SECONDS: 1000,
  MILLISECONDS: 1,
  MICROSECONDS: 1e-3,
  NANOSECONDS: 1e-6,
};

/** The unit an integer column's values fall in by magnitude, when most of them agree. */
function epochUnit(p: ColumnProfile): TimeUnit | null {
  if (p.values === 0 || p.digits < 0.9 * p.values) return null;
  let best = 1;
  for (let m = 2; m < 5; m++) if (p.magnitudes[m]! > p.magnitudes[best]!) best = m;
  return p.magnitudes[best]! >= 0.9 * p.digits ? MAGNITUDE_UNITS[best]! : null;
}

function isTextTime(p: ColumnProfile): boolean {
  return p.values > 0 && p.isoTimes + p.decimalEpochs >= 0.9 * p.values;
}

function textTimeUnit(p: ColumnProfile): TimeUnit {
  const f = p.fractionDigits;
  return f === 0 ? 'SECONDS' : f <= 3 ? 'MILLISECONDS' : f <= 6 ? 'MICROSECONDS' : 'NANOSECONDS';
}

function chooseTime(
  profiles: ColumnProfile[],
  options: ModelOptions,
  notes: InferNote[],
): ModelResult | { column: ColumnProfile; unit: TimeUnit; conversion: string | null } {
  const byName = (p: ColumnProfile): number => (TIME_NAME.test(p.name) ? 0 : 1);
  if (options.timeColumn !== undefined) {
    const p = profiles.find((c) => c.name === options.timeColumn);
    if (p === undefined)
      return {
        ok: false,
        code: 'INIT_NO_TIME_COLUMN',
        message: `--time-column ${options.timeColumn}: no such column in the header (${profiles.map((c) => c.name).join(', ')})`,
      };
    const unit = epochUnit(p);
    if (unit !== null) return { column: p, unit, conversion: null };
    if (isTextTime(p)) return { column: p, unit: textTimeUnit(p), conversion: conversionText(p) };
    return { column: p, unit: 'MILLISECONDS', conversion: null };
  }
  const epochs = profiles.filter((p) => epochUnit(p) !== null).sort((a, b) => byName(a) - byName(b));
  const first = epochs[0];
  if (first !== undefined) {
    if (epochs.length > 1) {
      notes.push({
        topic: 'time',
        text: `other epoch-like columns: ${epochs
          .slice(1)
          .map((p) => p.name)
          .join(', ')} (kept as measures)`,
      });
    }
    return { column: first, unit: epochUnit(first)!, conversion: null };
  }
  const texts = profiles.filter(isTextTime).sort((a, b) => byName(a) - byName(b));
  const text = texts[0];
  if (text !== undefined) return { column: text, unit: textTimeUnit(text), conversion: conversionText(text) };
  return {
    ok: false,
    code: 'INIT_NO_TIME_COLUMN',
    message:
      'no column holds epoch integers or text times: batch load needs a time column of non-negative integers (R-TIME-1); ' +
      'name one with --time-column',
  };
}

function conversionText(p: ColumnProfile): string {
  const unit = textTimeUnit(p);
  if (p.decimalEpochs >= p.isoTimes) {
    const factor = { SECONDS: 1, MILLISECONDS: 1e3, MICROSECONDS: 1e6, NANOSECONDS: 1e9 }[unit];
    return (
      `column ${JSON.stringify(p.name)} holds epoch seconds with a fraction (e.g. 1714521600.123); batch load takes only ` +
      `integers (R-TIME-1): multiply by ${factor} and write whole numbers of ${unit}`
    );
  }
  const zone = p.hasOffset === p.isoTimes ? 'with their UTC offsets' : 'without a UTC offset (read as UTC)';
  const fn = {
    SECONDS: 'epoch',
    MILLISECONDS: 'epoch_ms',
    MICROSECONDS: 'epoch_us',
    NANOSECONDS: 'epoch_ns',
  }[unit];
  return (
    `column ${JSON.stringify(p.name)} holds text times (ISO 8601 or similar, ${zone}); batch load takes only epoch integers ` +
    `(R-TIME-1): convert it to ${unit} before the load, e.g. with DuckDB: ` +
    `COPY (SELECT * REPLACE (${fn}(CAST("${p.name}" AS TIMESTAMPTZ)) AS "${p.name}") FROM 'in.csv') TO 'out.csv'`
  );
}

interface Classified {
  dimensions: ColumnProfile[];
  measures: { p: ColumnProfile; type: ScalarMeasureValueType; why: string }[];
  nameColumn: ColumnProfile | null;
}

function textual(p: ColumnProfile): boolean {
  return p.doubles < 0.8 * p.values && p.booleans < p.values && !isTextTime(p);
}

function lowCardinality(p: ColumnProfile): boolean {
  const d = p.distinctCount.count;
  return d <= Math.max(1, 0.5 * p.values) || (p.values < 20 && d < p.values);
}

function describe(p: ColumnProfile): string {
  const d = p.distinctCount;
  return `${d.exact ? '' : '≈'}${d.count} distinct in ${p.values} values, ${p.nulls === 0 ? 'never null' : `${p.nulls} null`}`;
}

function classify(profiles: ColumnProfile[], time: ColumnProfile, unit: TimeUnit): Classified {
  const out: Classified = { dimensions: [], measures: [], nameColumn: null };
  for (const p of profiles) {
    if (p === time) continue;
    if (
      out.nameColumn === null &&
      MEASURE_NAME_COLUMN.test(p.name) &&
      textual(p) &&
      p.nulls === 0 &&
      p.values > 0
    ) {
      out.nameColumn = p;
      continue;
    }
    if (p.values === 0) {
      out.measures.push({
        p,
        type: 'VARCHAR',
        why: 'empty in the sample: VARCHAR takes any text it may hold',
      });
    } else if (p.booleans === p.values) {
      out.measures.push({ p, type: 'BOOLEAN', why: `every value is true or false (${p.values} values)` });
    } else if (!textual(p)) {
      const idLike = ID_NAME.test(p.name) && p.bigints === p.values && p.nulls === 0 && lowCardinality(p);
      if (idLike) out.dimensions.push(p);
      else if (p.bigints === p.doubles && epochUnit(p) === unit && TIME_NAME.test(p.name)) {
        out.measures.push({
          p,
          type: 'TIMESTAMP',
          why: `epoch integers in the task's TimeUnit ${unit} (${describe(p)})`,
        });
      } else if (p.bigints === p.doubles) {
        out.measures.push({
          p,
          type: 'BIGINT',
          why: `integers in the signed 64-bit range (${pct(p.bigints, p.values)} values)`,
        });
      } else {
        out.measures.push({
          p,
          type: 'DOUBLE',
          why: `numbers with a fraction or an exponent (${pct(p.doubles, p.values)} values)`,
        });
      }
    } else if (p.nulls === 0 && lowCardinality(p) && p.maxBytes <= MAX_DIMENSION_VALUE_BYTES) {
      out.dimensions.push(p);
    } else {
      const why =
        p.nulls > 0
          ? `text with nulls (${describe(p)}): a dimension identifies the series, so it should be in every row`
          : p.maxBytes > MAX_DIMENSION_VALUE_BYTES
            ? `text up to ${p.maxBytes} bytes: too long for a dimension value (R-LIM-1)`
            : `free text (${describe(p)})`;
      out.measures.push({ p, type: 'VARCHAR', why });
    }
  }
  return out;
}

/** R-VAL-4: at least one dimension; the column with the fewest distinct values when none qualified on its own. */
function ensureDimension(c: Classified, notes: InferNote[]): boolean {
  if (c.dimensions.length > 0) return true;
  const candidates = c.measures.filter(
    (m) => m.p.values > 0 && (m.type === 'VARCHAR' || m.type === 'BIGINT'),
  );
  candidates.sort((a, b) => a.p.distinctCount.count - b.p.distinctCount.count);
  const pick = candidates[0];
  if (pick === undefined) return false;
  c.measures.splice(c.measures.indexOf(pick), 1);
  c.dimensions.push(pick.p);
  notes.push({
    topic: 'dimension',
    text: `${pick.p.name}: made a dimension although ${describe(pick.p)}, because every record needs one (R-VAL-4) and it has the fewest distinct values`,
  });
  return true;
}

export function inferModel(profiles: ColumnProfile[], options: ModelOptions): ModelResult {
  const notes: InferNote[] = [];
  const time = chooseTime(profiles, options, notes);
  if ('ok' in time) return time;
  const { column, unit, conversion } = time;
  if (conversion === null) {
    const per = MS_PER[unit];
    notes.unshift({
      topic: 'time',
      text:
        `${column.name} → TimeColumn, TimeUnit ${unit}: ${pct(column.digits, column.values)} values are integers from ` +
        `${column.min} to ${column.max} (${iso(column.min * per)} … ${iso(column.max * per)}), told apart by magnitude ` +
        `(1e8-1e11 SECONDS, 1e11-1e14 MILLISECONDS, 1e14-1e17 MICROSECONDS, above NANOSECONDS)`,
    });
  } else {
    notes.unshift({
      topic: 'time',
      text: `${column.name} → TimeColumn, TimeUnit ${unit}; CONVERSION NEEDED: ${conversion}`,
    });
  }
  const c = classify(profiles, column, unit);
  if (!ensureDimension(c, notes)) {
    return {
      ok: false,
      code: 'INIT_NO_DIMENSION',
      message:
        'no column can be a dimension: every record needs one (R-VAL-4); add a column that names the source (a device, a host)',
    };
  }
  if (c.measures.length === 0) {
    return {
      ok: false,
      code: 'INIT_NO_MEASURE',
      message: 'no column is left for a measure: every record needs a measure value (R-MEAS-2)',
    };
  }
  const names = new NameLegalizer();
  const model: DataModel = { TimeColumn: column.name, TimeUnit: unit, DimensionMappings: [] };
  for (const p of c.dimensions.slice(0, 128)) {
    const name = names.legal(p.name, 'dimension');
    model.DimensionMappings.push(
      name === p.name ? { SourceColumn: p.name } : { SourceColumn: p.name, DestinationColumn: name },
    );
    notes.push({
      topic: 'dimension',
      text: `${p.name} → dimension${name === p.name ? '' : ` "${name}"`}: ${textual(p) ? 'text' : 'an identifier'}, ${describe(p)}`,
    });
  }
  const attributes: MultiMeasureAttributeMapping[] = [];
  for (const m of c.measures.slice(0, 256)) {
    const name = names.legal(m.p.name, 'attribute');
    attributes.push({
      SourceColumn: m.p.name,
      ...(name === m.p.name ? {} : { TargetMultiMeasureAttributeName: name }),
      MeasureValueType: m.type,
    });
    notes.push({
      topic: 'measure',
      text: `${m.p.name} → ${m.type}${name === m.p.name ? '' : ` attribute "${name}"`}: ${m.why}`,
    });
  }
  if (c.dimensions.length > 128 || c.measures.length > 256) {
    notes.push({
      topic: 'measure',
      text: 'columns past 128 dimensions or 256 attributes are left unmapped (R-VAL-4, R-VAL-5)',
    });
  }
  if (c.nameColumn !== null) {
    model.MeasureNameColumn = c.nameColumn.name;
    model.MultiMeasureMappings = { MultiMeasureAttributeMappings: attributes };
    notes.push({
      topic: 'measure',
      text: `${c.nameColumn.name} → MeasureNameColumn: each row's measure name (${describe(c.nameColumn)}); one multi-measure record per row`,
    });
  } else {
    const measureName = names.legal(options.measureName ?? 'metrics', 'measure');
    model.MultiMeasureMappings = {
      TargetMultiMeasureName: measureName,
      MultiMeasureAttributeMappings: attributes,
    };
    notes.push({
      topic: 'measure',
      text: `one multi-measure record per row, named "${measureName}"${options.measureName === undefined ? ' (--measure-name to change it)' : ''}`,
    });
  }
  for (const change of names.changes)
    notes.push({ topic: 'name', text: `${change.from} → "${change.to}": ${change.why} (R-VAL-6)` });
  return { ok: true, choice: { model, notes, conversion } };
}
