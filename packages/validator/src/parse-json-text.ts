/**
 * R-IN-5: parses a task file's text; on a syntax error says where (1-based line and column). Node 20's
 * `JSON.parse` gives a position only for some errors (`Unexpected token '}', "..." is not valid JSON` has none),
 * so the position comes from a small scanner that walks the text the way JSON.parse does.
 */
import { characterCount } from './internal/json.js';

export type ParseJsonResult =
  { ok: true; value: unknown } | { ok: false; message: string; line: number; column: number };

export function parseJsonText(text: string): ParseJsonResult {
  // [choice] A byte-order mark is refused rather than skipped: the AWS CLI's JSON reader rejects it too, and
  // the task file must go to AWS unchanged (R-IN-1).
  if (text.startsWith('\uFEFF')) {
    return {
      ok: false,
      message: 'the file begins with a byte-order mark (BOM); save it as UTF-8 without a BOM',
      line: 1,
      column: 1,
    };
  }
  if (text.trim() === '')
    return { ok: false, message: 'the file is empty (expected a JSON object)', line: 1, column: 1 };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const found = locateSyntaxError(text) ?? fromEngineMessage(text, error);
    return { ok: false, message: found.message, ...lineAndColumn(text, found.position) };
  }
}

interface SyntaxErrorAt {
  position: number;
  message: string;
}

function fromEngineMessage(text: string, error: unknown): SyntaxErrorAt {
  const message = error instanceof Error ? error.message : String(error);
  const match = /at position (\d+)/.exec(message);
  return {
    position: match === null ? text.length : Number(match[1]),
    message: message.replace(/ in JSON at position \d+.*$/s, '').replace(/, ".*" is not valid JSON$/s, ''),
  };
}

/** 1-based line and column (in characters) of a UTF-16 offset; `\n`, `\r\n` and a lone `\r` end a line. */
export function lineAndColumn(text: string, position: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(position, text.length);
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: characterCount(text.slice(lineStart, end)) + 1 };
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;

function describeChar(text: string, i: number): string {
  const c = text.codePointAt(i);
  if (c === undefined) return 'end of input';
  if (c < 0x20) return `control character U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
  return `'${String.fromCodePoint(c)}'`;
}

/**
 * The first syntax error of `text` as JSON, or `undefined` when it is valid. Iterative (an explicit stack), so
 * deeply nested input cannot overflow the call stack.
 */
export function locateSyntaxError(text: string): SyntaxErrorAt | undefined {
  const stack: ('{' | '[')[] = [];
  let i = 0;
  const skip = (): void => {
    WHITESPACE.lastIndex = i;
    WHITESPACE.exec(text);
    i = WHITESPACE.lastIndex;
  };
  const fail = (message: string): SyntaxErrorAt => ({ position: i, message });
  let mode: 'value' | 'after' | 'key' = 'value';
  for (;;) {
    skip();
    if (mode === 'key') {
      if (text[i] !== '"')
        return fail(`expected a double-quoted property name, found ${describeChar(text, i)}`);
      const error = scanString();
      if (error !== undefined) return error;
      skip();
      if (text[i] !== ':')
        return fail(`expected ':' after the property name, found ${describeChar(text, i)}`);
      i++;
      mode = 'value';
      continue;
    }
    if (mode === 'value') {
      const c = text[i];
      if (c === undefined) return fail('unexpected end of input, expected a value');
      if (c === '{' || c === '[') {
        i++;
        skip();
        if (text[i] === (c === '{' ? '}' : ']')) {
          i++;
          mode = 'after';
        } else {
          stack.push(c);
          mode = c === '{' ? 'key' : 'value';
        }
        continue;
      }
      if (c === '"') {
        const error = scanString();
        if (error !== undefined) return error;
      } else if (c === '-' || (c >= '0' && c <= '9')) {
        NUMBER.lastIndex = i;
        const match = NUMBER.exec(text);
        if (match === null) return fail(`invalid number, found ${describeChar(text, i + 1)} after '-'`);
        i = NUMBER.lastIndex;
      } else {
        const literal = ['true', 'false', 'null'].find((word) => text.startsWith(word, i));
        if (literal === undefined) return fail(`unexpected ${describeChar(text, i)}, expected a value`);
        i += literal.length;
      }
      mode = 'after';
      continue;
    }
    // mode === 'after': a value just ended
    const top = stack[stack.length - 1];
    if (top === undefined) {
      return i < text.length
        ? fail(`unexpected ${describeChar(text, i)} after the end of the JSON value`)
        : undefined;
    }
    const close = top === '{' ? '}' : ']';
    if (text[i] === ',') {
      i++;
      mode = top === '{' ? 'key' : 'value';
    } else if (text[i] === close) {
      i++;
      stack.pop();
    } else if (i >= text.length) {
      return fail(`unexpected end of input, expected ',' or '${close}'`);
    } else {
      return fail(`expected ',' or '${close}', found ${describeChar(text, i)}`);
    }
  }

  function scanString(): SyntaxErrorAt | undefined {
    i++;
    for (;;) {
      const code = text.charCodeAt(i);
      if (Number.isNaN(code)) return fail('unterminated string');
      if (code === 0x22) {
        i++;
        return undefined;
      }
      if (code === 0x5c) {
        const next = text[i + 1];
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return fail('bad \\u escape in string');
          i += 6;
        } else if (next !== undefined && '"\\/bfnrt'.includes(next)) {
          i += 2;
        } else {
          return fail(`bad escape ${describeChar(text, i + 1)} in string`);
        }
        continue;
      }
      if (code < 0x20) return fail(`${describeChar(text, i)} inside a string (escape it)`);
      i++;
    }
  }
}
