/**
 * Request validation against the API model's constraints, reported as the service does: every broken constraint
 * of a request at once, in one ValidationException whose message reads
 * `2 validation errors detected: Value 'X' at 'records.1.member.time' failed to satisfy constraint: ...; ...`
 * (member paths in lowerCamelCase, list positions 1-based). A member of the wrong JSON type cannot be read at all:
 * that is a SerializationException, as from the service's deserializer.
 */
import { ServiceError } from '../errors.js';

export type Json = Record<string, unknown>;

const LONG_MAX = 2n ** 63n - 1n;
const LONG_MIN = -(2n ** 63n);

export interface StringRule {
  min?: number;
  max?: number;
  pattern?: RegExp;
  /** Shown in the message instead of the RegExp source. */
  patternText?: string;
  enum?: readonly string[];
}

export class Constraints {
  private readonly errors: string[] = [];

  /** The member as a string, or undefined when absent (recording "must not be null" when `required`). */
  string(path: string, value: unknown, rule: StringRule = {}, required = false): string | undefined {
    if (!this.present(path, value, required)) return undefined;
    if (typeof value !== 'string') throw wrongType(path, 'a string', value);
    if (rule.min !== undefined && value.length < rule.min) {
      this.fail(path, value, `Member must have length greater than or equal to ${rule.min}`);
    } else if (rule.max !== undefined && value.length > rule.max) {
      this.fail(path, value, `Member must have length less than or equal to ${rule.max}`);
    }
    if (rule.pattern !== undefined && !rule.pattern.test(value)) {
      this.fail(
        path,
        value,
        `Member must satisfy regular expression pattern: ${rule.patternText ?? rule.pattern.source}`,
      );
    }
    if (rule.enum !== undefined && !rule.enum.includes(value)) {
      this.fail(path, value, `Member must satisfy enum value set: [${rule.enum.join(', ')}]`);
    }
    return value;
  }

  integer(
    path: string,
    value: unknown,
    rule: { min?: number; max?: number } = {},
    required = false,
  ): number | undefined {
    if (!this.present(path, value, required)) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw wrongType(path, 'an integer', value);
    if (rule.min !== undefined && value < rule.min) {
      this.fail(path, value, `Member must have value greater than or equal to ${rule.min}`);
    } else if (rule.max !== undefined && value > rule.max) {
      this.fail(path, value, `Member must have value less than or equal to ${rule.max}`);
    }
    return value;
  }

  /**
   * A 64-bit integer member (a record Version), exact: a number, or a bigint from parseExactJson. [choice] One
   * beyond the signed 64-bit range (which the service's Long cannot hold) is a broken constraint.
   */
  long(path: string, value: unknown): bigint | undefined {
    if (!this.present(path, value, false)) return undefined;
    let n: bigint;
    if (typeof value === 'bigint') n = value;
    else if (typeof value === 'number' && Number.isInteger(value)) n = BigInt(value);
    else throw wrongType(path, 'an integer', value);
    if (n > LONG_MAX) {
      this.fail(path, n, `Member must have value less than or equal to ${LONG_MAX}`);
    } else if (n < LONG_MIN) {
      this.fail(path, n, `Member must have value greater than or equal to ${LONG_MIN}`);
    }
    return n;
  }

  boolean(path: string, value: unknown, required = false): boolean | undefined {
    if (!this.present(path, value, required)) return undefined;
    if (typeof value !== 'boolean') throw wrongType(path, 'true or false', value);
    return value;
  }

  object(path: string, value: unknown, required = false): Json | undefined {
    if (!this.present(path, value, required)) return undefined;
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw wrongType(path, 'an object', value);
    return value as Json;
  }

  list(
    path: string,
    value: unknown,
    rule: { min?: number; max?: number } = {},
    required = false,
  ): unknown[] | undefined {
    if (!this.present(path, value, required)) return undefined;
    if (!Array.isArray(value)) throw wrongType(path, 'a list', value);
    if (rule.min !== undefined && value.length < rule.min) {
      this.fail(path, value, `Member must have length greater than or equal to ${rule.min}`);
    } else if (rule.max !== undefined && value.length > rule.max) {
      this.fail(path, value, `Member must have length less than or equal to ${rule.max}`);
    }
    return value as unknown[];
  }

  /** Records a broken constraint. */
  fail(path: string, value: unknown, constraint: string): void {
    this.errors.push(`Value ${show(value)} at '${path}' failed to satisfy constraint: ${constraint}`);
  }

  get ok(): boolean {
    return this.errors.length === 0;
  }

  /** Throws the ValidationException listing every broken constraint, if any. */
  done(): void {
    const n = this.errors.length;
    if (n === 0) return;
    throw new ServiceError(
      'ValidationException',
      `${n} validation error${n === 1 ? '' : 's'} detected: ${this.errors.join('; ')}`,
    );
  }

  private present(path: string, value: unknown, required: boolean): boolean {
    if (value !== undefined && value !== null) return true;
    if (required)
      this.errors.push(`Value null at '${path}' failed to satisfy constraint: Member must not be null`);
    return false;
  }
}

function show(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'bigint'
        ? String(value)
        : JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  return `'${text.length > 200 ? `${text.slice(0, 200)}...` : text}'`;
}

function wrongType(path: string, expected: string, value: unknown): ServiceError {
  const found = Array.isArray(value) ? 'a list' : value === null ? 'null' : typeof value;
  return new ServiceError('SerializationException', `Expected ${expected} at '${path}', found ${found}.`);
}

/** The request body as an object; members an operation does not know are ignored, as the service does. */
export function asObject(value: unknown): Json {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ServiceError('SerializationException', 'The request body must be a JSON object.');
  }
  return value as Json;
}
