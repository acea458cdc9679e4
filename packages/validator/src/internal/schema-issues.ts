/**
 * R-VAL-1: runs the JSON Schema (compiled once, at module load) and turns ajv's errors into issues with stable
 * codes and plain messages: one issue per mistake, at the pointer of the member concerned.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { ValidationCode } from '../issue.js';
import { didYouMean } from './did-you-mean.js';
import type { IssueList } from './issues.js';
import { characterCount, describeValue, isObject, jsonTypeOf, pointer } from './json.js';
import { SCHEMA_ID, TASK_SCHEMA } from './schema.js';

const ajv = new Ajv2020({ allErrors: true, verbose: true, ownProperties: true, strict: true });
ajv.addSchema(TASK_SCHEMA);

function compile(def: string): ValidateFunction {
  return ajv.compile({ $ref: `${SCHEMA_ID}#/$defs/${def}` });
}

const validators = {
  request: compile('CreateBatchLoadTaskRequest'),
  dataModel: compile('DataModel'),
  csv: compile('CsvConfiguration'),
  dataModelS3: compile('DataModelS3Configuration'),
} as const;

export type SchemaShape = keyof typeof validators;

/** Members whose values never appear in messages. */
const SENSITIVE = new Set(['ClientToken']);

/** When several keywords fail on one value, the first of this list is the one reported. */
const PRIORITY = [
  'type',
  'enum',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
];

/** Validates `value` against one shape; issues are added to `issues` with paths relative to `value`. */
export function checkShape(shape: SchemaShape, value: unknown, issues: IssueList): void {
  const validate = validators[shape];
  if (validate(value)) return;
  const valueErrors = new Map<string, ErrorObject>();
  for (const error of validate.errors ?? []) {
    switch (error.keyword) {
      case 'required':
        reportMissing(error, issues);
        break;
      case 'additionalProperties':
        reportUnknown(error, issues);
        break;
      case 'if':
        // The `then` branch reports the real problem (a missing KmsKeyId).
        break;
      default: {
        const current = valueErrors.get(error.instancePath);
        if (current === undefined || rank(error) < rank(current)) valueErrors.set(error.instancePath, error);
      }
    }
  }
  for (const error of valueErrors.values()) reportValue(error, issues);
}

function rank(error: ErrorObject): number {
  const index = PRIORITY.indexOf(error.keyword);
  return index === -1 ? PRIORITY.length : index;
}

function reportMissing(error: ErrorObject, issues: IssueList): void {
  const name = String((error.params as { missingProperty?: unknown }).missingProperty);
  const path = pointer(error.instancePath, name);
  const conditional = error.schemaPath.includes('/then/');
  issues.missing(
    'TASK_MISSING_MEMBER',
    path,
    conditional
      ? `${name} is required when EncryptionOption is SSE_KMS`
      : `required member ${name} is missing`,
  );
}

function reportUnknown(error: ErrorObject, issues: IssueList): void {
  const name = String((error.params as { additionalProperty?: unknown }).additionalProperty);
  const path = pointer(error.instancePath, name);
  const known = knownMembers(error.parentSchema);
  const present = isObject(error.data) ? error.data : {};
  const candidates = known.filter((member) => !Object.prototype.hasOwnProperty.call(present, member));
  const suggestion = didYouMean(name, candidates);
  const shown = JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}…` : name);
  const message =
    suggestion !== undefined
      ? `unknown member ${shown}; did you mean ${suggestion}?`
      : `unknown member ${shown}; allowed here: ${known.join(', ')}`;
  issues.unknownMember(
    path,
    message,
    suggestion === undefined ? undefined : pointer(error.instancePath, suggestion),
  );
}

function knownMembers(schema: unknown): string[] {
  if (!isObject(schema)) return [];
  const properties = schema['properties'];
  return isObject(properties) ? Object.keys(properties) : [];
}

function reportValue(error: ErrorObject, issues: IssueList): void {
  const path = error.instancePath;
  const name = lastSegment(path);
  const got = SENSITIVE.has(name) ? '' : ` (got ${describeValue(error.data)})`;
  const schema: Record<string, unknown> = isObject(error.parentSchema) ? error.parentSchema : {};
  let code: ValidationCode;
  let message: string;
  switch (error.keyword) {
    case 'type': {
      const wanted = String((error.params as { type?: unknown }).type);
      if (wanted === 'integer' && typeof error.data === 'number') {
        code = 'TASK_BAD_NUMBER';
        message = `must be a whole number${got}`;
      } else {
        code = 'TASK_WRONG_TYPE';
        message = `must be ${article(wanted)}, not ${article(jsonTypeOf(error.data))}`;
      }
      break;
    }
    case 'enum': {
      const allowed = Array.isArray(schema['enum']) ? schema['enum'].map(String) : [];
      code = 'TASK_BAD_ENUM';
      const hint = typeof error.data === 'string' ? didYouMean(error.data, allowed) : undefined;
      const which = allowed.length === 1 ? `${allowed[0]}` : `one of ${allowed.join(', ')}`;
      message = `must be ${which}${got}${hint === undefined ? '' : `; did you mean ${hint}?`}`;
      break;
    }
    case 'minLength':
    case 'maxLength': {
      code = 'TASK_BAD_LENGTH';
      const length = typeof error.data === 'string' ? characterCount(error.data) : 0;
      message = `must be ${lengthRange(schema)} long (got ${length})${separatorHint(name, error.data)}`;
      break;
    }
    case 'pattern':
      code = 'TASK_BAD_PATTERN';
      message = `must be ${typeof schema['description'] === 'string' ? schema['description'] : `a string matching ${String(schema['pattern'])}`}${got}`;
      break;
    case 'minimum':
    case 'maximum':
      code = 'TASK_BAD_NUMBER';
      message = `must be ${numberRange(schema)}${got}`;
      break;
    case 'minItems':
    case 'maxItems':
      code = 'TASK_BAD_LIST_SIZE';
      message = `must have ${itemRange(schema)} (got ${Array.isArray(error.data) ? error.data.length : 0})`;
      break;
    default:
      code = 'TASK_WRONG_TYPE';
      message = error.message ?? 'is not valid';
  }
  issues.error(code, path, message);
}

function lastSegment(path: string): string {
  const index = path.lastIndexOf('/');
  return path
    .slice(index + 1)
    .replace(/~1/g, '/')
    .replace(/~0/g, '~');
}

function article(type: string): string {
  switch (type) {
    case 'object':
    case 'array':
    case 'integer':
      return `an ${type}`;
    case 'null':
    case 'undefined':
      return type;
    default:
      return `a ${type}`;
  }
}

function lengthRange(schema: Record<string, unknown>): string {
  const min = schema['minLength'];
  const max = schema['maxLength'];
  if (typeof max !== 'number') return `at least ${String(min)} character${min === 1 ? '' : 's'}`;
  if (min === max) return `exactly ${String(min)} character${min === 1 ? '' : 's'}`;
  return `${String(min)}–${String(max)} characters`;
}

function numberRange(schema: Record<string, unknown>): string {
  const min = schema['minimum'];
  return typeof min === 'number' ? `a whole number from ${min} to 2^63-1` : 'in range';
}

function itemRange(schema: Record<string, unknown>): string {
  const min = schema['minItems'];
  const max = schema['maxItems'];
  if (typeof max === 'number') return `${typeof min === 'number' ? min : 0}–${max} items`;
  return `at least ${String(min)} item${min === 1 ? '' : 's'}`;
}

/** R-VAL-7: the API documentation spells TAB as '/t'; say what to write instead. */
function separatorHint(name: string, value: unknown): string {
  if (name !== 'ColumnSeparator' && name !== 'EscapeChar' && name !== 'QuoteChar') return '';
  if (value === '/t' || value === '\\t') return '; for TAB write the TAB character itself ("\\t" in JSON)';
  return '';
}
