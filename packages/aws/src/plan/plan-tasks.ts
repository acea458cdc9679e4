/**
 * R-SUBMIT-2: the set of batch-load tasks that covers a source beyond one task's quotas (R-VAL-9: 100 files, 5 GB a
 * file, 100 GB a task). Where prefixes can cut the objects, each task reads a sub-prefix of the task's own; where they
 * cannot, the objects left over are copied (server-side, --stage-prefix) into one prefix per task. An object over the
 * file quota fits no task: the plan names it and is not runnable.
 */
import type { ResolvedSource, ResolvedTask, SourceFile } from '@tsbatch/core';
import { S3_OBJECT_KEY_PATTERN, SOURCE_LIMITS } from '@tsbatch/validator';

import { AwsError } from '../errors.js';
import { clientTokenFor } from '../submit/batch-load-client.js';
import { fitsOneTask, splitByPrefix, type GroupLimits } from './prefix-split.js';

export interface PlannedTask {
  /** 1-based, in key order. */
  index: number;
  bucket: string;
  prefix: string;
  /** The objects the task reads, named as its reports will name them (`path` is where the bytes are now). */
  files: SourceFile[];
  bytes: number;
  /** Staged tasks: each object to copy (`from`, as listed) and the key of its copy. Empty otherwise. */
  copies: { from: SourceFile; toKey: string }[];
  /** The CreateBatchLoadTask request of this task (its own prefix and ClientToken). */
  request: ResolvedTask['request'];
}

export interface TaskPlan {
  source: { bucket: string; prefix: string };
  files: number;
  bytes: number;
  /** 'one': the task fits as it is; 'split': several tasks. */
  kind: 'one' | 'split';
  tasks: PlannedTask[];
  /** Objects no prefix separates within the quotas, when no stage prefix was given (give one to copy them). */
  unsplittable: SourceFile[];
  /** Objects over the file quota: no task can read them (split each file). */
  oversized: SourceFile[];
  /** Every object is in exactly one task. */
  ok: boolean;
}

export interface PlanOptions {
  /** Where left-over objects are copied, one `<prefix><NNNN>/` per task (--stage-prefix). @default none */
  stage?: { bucket: string; prefix: string };
  /** @default SOURCE_LIMITS (R-VAL-9) */
  limits?: GroupLimits;
}

/** Digits of a staged task's folder: `<stage>0001/`. */
const STAGE_DIGITS = 4;

function sum(files: readonly SourceFile[]): number {
  return files.reduce((n, f) => n + f.size, 0);
}

function subRequest(
  request: ResolvedTask['request'],
  bucket: string,
  prefix: string,
  files: readonly SourceFile[],
): ResolvedTask['request'] {
  const { ClientToken: given, ...rest } = request;
  const sub = {
    ...rest,
    DataSourceConfiguration: {
      ...rest.DataSourceConfiguration,
      DataSourceS3Configuration: { BucketName: bucket, ObjectKeyPrefix: prefix },
    },
  };
  // [choice] Each task's ClientToken hashes its request, the task's own token and its objects: a plan run again
  // finds the tasks it made (R-SUBMIT-1).
  return { ...sub, ClientToken: clientTokenFor({ ...sub, given }, files) };
}

/** The stage prefix, ending in `/`, checked against the source so copies are never read by a prefix task. */
function stageRoot(
  stage: { bucket: string; prefix: string },
  source: { bucket: string; prefix: string },
): string {
  const root = stage.prefix === '' || stage.prefix.endsWith('/') ? stage.prefix : `${stage.prefix}/`;
  if (stage.bucket === source.bucket && (root.startsWith(source.prefix) || source.prefix.startsWith(root))) {
    throw new AwsError(
      'PLAN_INVALID_STAGE',
      `the stage prefix s3://${stage.bucket}/${root} overlaps the source s3://${source.bucket}/${source.prefix}: ` +
        'the tasks would read the copies too; choose a prefix outside the source (or another bucket)',
    );
  }
  if (!S3_OBJECT_KEY_PATTERN.test(`${root}0001/`)) {
    throw new AwsError(
      'PLAN_INVALID_STAGE',
      `the stage prefix '${root}' cannot be an ObjectKeyPrefix: use letters, digits and ! - _ * ' ( ) / .`,
    );
  }
  return root;
}

/** Left-over objects in key order, packed into staged tasks of at most the quotas. */
function stageTasks(
  leftOver: readonly SourceFile[],
  source: { bucket: string; prefix: string },
  stage: { bucket: string; prefix: string },
  limits: GroupLimits,
): { prefix: string; files: SourceFile[]; copies: PlannedTask['copies'] }[] {
  const root = stageRoot(stage, source);
  // Keys keep their part after the source prefix's folder, so reports still name the files recognisably.
  const folder = source.prefix.slice(0, source.prefix.lastIndexOf('/') + 1);
  const groups: { prefix: string; files: SourceFile[]; copies: PlannedTask['copies'] }[] = [];
  let bytes = 0;
  for (const file of leftOver) {
    let group = groups.at(-1);
    if (
      group === undefined ||
      group.files.length >= limits.maxFiles ||
      bytes + file.size > limits.maxTotalBytes
    ) {
      const prefix = `${root}${String(groups.length + 1).padStart(STAGE_DIGITS, '0')}/`;
      group = { prefix, files: [], copies: [] };
      groups.push(group);
      bytes = 0;
    }
    const toKey = `${group.prefix}${file.key.slice(folder.length)}`;
    group.copies.push({ from: file, toKey });
    group.files.push({ ...file, key: toKey });
    bytes += file.size;
  }
  return groups;
}

/** The plan for `task` over the objects of its source (listed, with sizes). */
export function planTasks(task: ResolvedTask, source: ResolvedSource, options: PlanOptions = {}): TaskPlan {
  const limits = options.limits ?? SOURCE_LIMITS;
  const spec = task.source;
  const files = source.files;
  const base = { source: spec, files: files.length, bytes: sum(files) };
  if (fitsOneTask(files, limits)) {
    const request = {
      ...task.request,
      ClientToken: task.request.ClientToken ?? clientTokenFor(task.request, files),
    };
    const only = { index: 1, bucket: spec.bucket, prefix: spec.prefix, files: [...files], bytes: base.bytes };
    return {
      ...base,
      kind: 'one',
      tasks: [{ ...only, copies: [], request }],
      unsplittable: [],
      oversized: [],
      ok: true,
    };
  }
  const split = splitByPrefix(spec.prefix, files, limits, S3_OBJECT_KEY_PATTERN);
  const oversized = split.leftOver.filter((f) => f.size > limits.maxFileBytes);
  const stageable = split.leftOver.filter((f) => f.size <= limits.maxFileBytes);
  const groups: { bucket: string; prefix: string; files: SourceFile[]; copies: PlannedTask['copies'] }[] =
    split.groups.map((g) => ({ bucket: spec.bucket, ...g, copies: [] }));
  let unsplittable: SourceFile[] = [];
  if (stageable.length > 0 && options.stage !== undefined) {
    const bucket = options.stage.bucket;
    for (const g of stageTasks(stageable, spec, options.stage, limits)) groups.push({ bucket, ...g });
  } else {
    unsplittable = stageable;
  }
  const tasks = groups.map((g, i) => ({
    index: i + 1,
    bucket: g.bucket,
    prefix: g.prefix,
    files: g.files,
    bytes: sum(g.files),
    copies: g.copies,
    // The ClientToken hashes the objects as listed (a copy of a multipart object may get another ETag).
    request: subRequest(
      task.request,
      g.bucket,
      g.prefix,
      g.copies.length > 0 ? g.copies.map((c) => c.from) : g.files,
    ),
  }));
  return {
    ...base,
    kind: 'split',
    tasks,
    unsplittable,
    oversized,
    ok: unsplittable.length === 0 && oversized.length === 0,
  };
}

/** One planned task as a task and a source of its own, for its prediction (a dry run of that task alone). */
export function plannedRun(
  task: ResolvedTask,
  source: ResolvedSource,
  planned: PlannedTask,
): { task: ResolvedTask; source: ResolvedSource } {
  return {
    task: { ...task, request: planned.request, source: { bucket: planned.bucket, prefix: planned.prefix } },
    source: {
      files: planned.files,
      totalBytes: planned.bytes,
      ...(source.reader !== undefined && { reader: source.reader }),
    },
  };
}
