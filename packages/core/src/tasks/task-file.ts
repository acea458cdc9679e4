/**
 * The task files of the store (R-TASK-3): how a task file's text becomes a task (a damaged one is named, never a
 * crash), the names a task file may have, and the opaque NextToken of a listing (R-TASK-2).
 */
import { createHash } from 'node:crypto';
import { TASK_STATUSES, type BatchLoadTaskDescription } from '../report/task-description.js';
import { TaskStoreError, type StoredTask } from './task-store-types.js';

/** The API's BatchLoadTaskId pattern (3-32 of [A-Z0-9]): nothing else can name a file of the store. */
export const TASK_ID = /^[A-Z0-9]{3,32}$/;
export const FILE_SUFFIX = '.json';
export const FORMAT = 1;

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A task file's text as a task; a torn, empty or foreign file is TASK_FILE_CORRUPT naming the file (R-TASK-3). */
export function parseTask(text: string, taskId: string, file: string): StoredTask {
  const damaged = (what: string, cause?: unknown): TaskStoreError =>
    new TaskStoreError(
      'TASK_FILE_CORRUPT',
      `The task file ${file} ${what}; move it out of the store or restore it from a backup.`,
      taskId,
      cause === undefined ? undefined : { cause },
    );
  if (text.trim() === '') throw damaged(`is empty (${Buffer.byteLength(text)} bytes): it was cut off`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw damaged(`is not valid JSON (${why}): it is torn or damaged`, error);
  }
  const t = (typeof json === 'object' && json !== null ? json : {}) as Partial<StoredTask> & {
    format?: unknown;
  };
  const d = t.description;
  if (
    t.format !== FORMAT ||
    typeof d !== 'object' ||
    d === null ||
    d.TaskId !== taskId ||
    !TASK_STATUSES.includes(d.TaskStatus)
  ) {
    throw damaged(`is JSON but not a task of this store (format ${FORMAT}, TaskId ${taskId})`);
  }
  const task: StoredTask = {
    description: d,
    clientTokenHash: t.clientTokenHash ?? null,
    sequence: typeof t.sequence === 'number' ? t.sequence : 0,
  };
  if (t.state !== undefined) task.state = t.state;
  return task;
}

export interface Position {
  sequence: number;
  description: Pick<BatchLoadTaskDescription, 'TaskId'>;
}

/** Newest first by creation order, then by TaskId, so every task has one place in the listing. */
export function newestFirst(a: Position, b: Position): number {
  if (a.sequence !== b.sequence) return b.sequence - a.sequence;
  const ia = a.description.TaskId;
  const ib = b.description.TaskId;
  return ia === ib ? 0 : ia < ib ? -1 : 1;
}

/** The NextToken is the position of the last task returned, opaque to callers (base64url JSON). */
export function encodeToken(task: StoredTask): string {
  return Buffer.from(JSON.stringify({ s: task.sequence, i: task.description.TaskId }), 'utf8').toString(
    'base64url',
  );
}

export function decodeToken(token: string): Position {
  try {
    const json = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { s?: unknown; i?: unknown };
    if (typeof json.s === 'number' && typeof json.i === 'string') {
      return { sequence: json.s, description: { TaskId: json.i } };
    }
  } catch {
    // falls through to the error below
  }
  throw new TaskStoreError('TASK_INVALID_NEXT_TOKEN', 'The NextToken is not one this store returned.');
}
