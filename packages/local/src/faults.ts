/**
 * Fault injection for testing clients: a chosen fraction of WriteRecords calls answers ThrottlingException (429),
 * InternalServerException (500), loses its connection before the write (drop) or after it (lost: the records are
 * stored, the answer never comes, as when a client times out on a slow service), or is delayed. Off by default. Draws come from a seeded
 * generator, so a given seed gives the same faults on the same sequence of calls.
 */
import { randomInt } from 'node:crypto';
import { LocalError } from './errors.js';

export interface FaultOptions {
  /** Fraction of WriteRecords calls answered with ThrottlingException. @default 0 */
  throttle?: number;
  /** Fraction answered with InternalServerException. @default 0 */
  error?: number;
  /** Fraction whose connection is dropped without an answer, before the write. @default 0 */
  drop?: number;
  /** Fraction applied (stored or partly rejected) whose answer is then lost: the connection drops. @default 0 */
  lost?: number;
  /** A fraction (`rate`) of calls waits `ms` before being handled. @default { ms: 0, rate: 0 } */
  delay?: { ms: number; rate: number };
  /** Seed of the draws. @default a random seed */
  seed?: number;
}

export interface ResolvedFaultOptions {
  throttle: number;
  error: number;
  drop: number;
  lost: number;
  delay: { ms: number; rate: number };
  seed: number;
}

export type FaultKind = 'none' | 'throttle' | 'error' | 'drop' | 'lost';

export interface FaultDecision {
  kind: FaultKind;
  /** Milliseconds to wait before answering (0: none). */
  delayMs: number;
}

function fraction(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new LocalError(
      'LOCAL_FAULT_SPEC',
      `fault ${name} must be a fraction from 0 to 1, got ${String(value)}`,
    );
  }
  return value;
}

export function resolveFaultOptions(options: FaultOptions = {}): ResolvedFaultOptions {
  const throttle = fraction('throttle', options.throttle ?? 0);
  const error = fraction('error', options.error ?? 0);
  const drop = fraction('drop', options.drop ?? 0);
  const lost = fraction('lost', options.lost ?? 0);
  if (throttle + error + drop + lost > 1) {
    throw new LocalError(
      'LOCAL_FAULT_SPEC',
      'fault fractions throttle + error + drop + lost must not exceed 1',
    );
  }
  const delay = options.delay ?? { ms: 0, rate: 0 };
  if (!Number.isInteger(delay.ms) || delay.ms < 0 || delay.ms > 600_000) {
    throw new LocalError('LOCAL_FAULT_SPEC', `fault delay must be 0-600000 ms, got ${delay.ms}`);
  }
  const seed = options.seed ?? randomInt(2 ** 31);
  if (!Number.isInteger(seed))
    throw new LocalError('LOCAL_FAULT_SPEC', `fault seed must be an integer, got ${seed}`);
  return {
    throttle,
    error,
    drop,
    lost,
    delay: { ms: delay.ms, rate: fraction('delay rate', delay.rate) },
    seed,
  };
}

/**
 * Parses the CLI form: comma-separated `throttle=0.3`, `error=0.05`, `drop=0.02`, `lost=0.02`, `delay=200ms:0.1`
 * (also `2s:0.5`).
 * Several specs (repeated flags) add up.
 */
export function parseFaultSpec(spec: string, into: FaultOptions = {}): FaultOptions {
  const out: FaultOptions = { ...into };
  for (const part of spec
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    const number = (): number => {
      const n = Number(value);
      if (value === '' || !Number.isFinite(n)) {
        throw new LocalError('LOCAL_FAULT_SPEC', `fault ${key} needs a number, got '${value}'`);
      }
      return n;
    };
    switch (key) {
      case 'throttle':
        out.throttle = fraction(key, number());
        break;
      case 'error':
        out.error = fraction(key, number());
        break;
      case 'drop':
        out.drop = fraction(key, number());
        break;
      case 'lost':
        out.lost = fraction(key, number());
        break;
      case 'delay': {
        const m = /^(\d+)(ms|s)?:([0-9.]+)$/.exec(value);
        if (m === null) {
          throw new LocalError(
            'LOCAL_FAULT_SPEC',
            `fault delay must read like 200ms:0.1 (time:fraction), got '${value}'`,
          );
        }
        out.delay = {
          ms: Number(m[1]) * (m[2] === 's' ? 1000 : 1),
          rate: fraction('delay rate', Number(m[3])),
        };
        break;
      }
      default:
        throw new LocalError(
          'LOCAL_FAULT_SPEC',
          `unknown fault '${key}' (known: throttle=F, error=F, drop=F, lost=F, delay=MS:F)`,
        );
    }
  }
  return out;
}

/** Decides, call by call, which fault (if any) a WriteRecords call gets. */
export class FaultInjector {
  private next: () => number;
  private current: ResolvedFaultOptions;

  constructor(options: FaultOptions = {}) {
    this.current = resolveFaultOptions(options);
    this.next = mulberry32(this.current.seed);
  }

  get options(): ResolvedFaultOptions {
    return this.current;
  }

  /** Replaces the faults (and restarts the draws from the seed). */
  set(options: FaultOptions): ResolvedFaultOptions {
    this.current = resolveFaultOptions(options);
    this.next = mulberry32(this.current.seed);
    return this.current;
  }

  get active(): boolean {
    const f = this.current;
    return f.throttle + f.error + f.drop + f.lost > 0 || (f.delay.rate > 0 && f.delay.ms > 0);
  }

  decide(): FaultDecision {
    if (!this.active) return { kind: 'none', delayMs: 0 };
    const f = this.current;
    const u = this.next();
    const kind: FaultKind =
      u < f.throttle
        ? 'throttle'
        : u < f.throttle + f.error
          ? 'error'
          : u < f.throttle + f.error + f.drop
            ? 'drop'
            : u < f.throttle + f.error + f.drop + f.lost
              ? 'lost'
              : 'none';
    const delayMs = this.next() < f.delay.rate ? f.delay.ms : 0;
    return { kind, delayMs };
  }
}

/** A small, well-known seeded generator (uniform in [0, 1)). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
