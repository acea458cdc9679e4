/** R-SUBMIT-2: the task read and validated as a plan reads it (its quotas checked per task), and its plan. */
import { parseS3Path, planTasks, type TaskPlan } from '@tsbatch/aws';
import type { ResolvedSource, ResolvedTask, SourceLocation } from '@tsbatch/core';

import { stringOption, type Io, type OptionSpec, type ParsedArgs } from './command.js';
import { loadTask, runnable } from './load-task.js';
import { formatRunIssues } from './warnings.js';

const PLAN = 'Plans past the quotas (R-SUBMIT-2)';

export const STAGE_PREFIX_OPTION: OptionSpec = {
  name: 'stage-prefix',
  type: 'string',
  value: 'PREFIX',
  description:
    'Copy the objects prefixes cannot cut, server-side (CopyObject), into PREFIX0001/, PREFIX0002/, ... one ' +
    'prefix per task: a key prefix of the source bucket outside the source prefix, or s3://BUCKET/PREFIX.',
  group: PLAN,
};

export interface LoadedPlan {
  task: ResolvedTask;
  source: ResolvedSource;
  location: SourceLocation;
  plan: TaskPlan;
}

function stageOf(text: string | undefined, bucket: string): { bucket: string; prefix: string } | undefined {
  if (text === undefined) return undefined;
  if (text.startsWith('s3://')) {
    const { bucket: stageBucket, key } = parseS3Path(text);
    return { bucket: stageBucket, prefix: key };
  }
  return { bucket, prefix: text };
}

/** The task and its plan; a CliError (TASK_INVALID, SOURCE_NOT_FOUND: exit 2) when it cannot be had. */
export async function loadPlan(args: ParsedArgs, io: Io): Promise<LoadedPlan> {
  // R-SUBMIT-2: the quotas of R-VAL-9 are the plan's to meet, per task.
  const loaded = await loadTask(args, io, undefined, { sourceLimits: false });
  const { task, source, warnings, fileErrors } = runnable(loaded, 'plan');
  io.stderr.write(formatRunIssues([...fileErrors, ...warnings]));
  const stage = stageOf(stringOption(args, 'stage-prefix'), task.source.bucket);
  const plan = planTasks(task, source, stage === undefined ? {} : { stage });
  return { task, source, location: loaded.location!, plan };
}

/** The plan as JSON: what each task reads and the request it is created with. */
export function planJson(plan: TaskPlan): unknown {
  return {
    Source: { BucketName: plan.source.bucket, ObjectKeyPrefix: plan.source.prefix },
    Objects: plan.files,
    Bytes: plan.bytes,
    Runnable: plan.ok,
    Tasks: plan.tasks.map((t) => ({
      Index: t.index,
      BucketName: t.bucket,
      ObjectKeyPrefix: t.prefix,
      Objects: t.files.length,
      Bytes: t.bytes,
      Copies: t.copies.map((c) => ({ From: c.from.path, To: `s3://${t.bucket}/${c.toKey}` })),
      Request: t.request,
    })),
    Unsplittable: plan.unsplittable.map((f) => f.key),
    Oversized: plan.oversized.map((f) => ({ Key: f.key, Size: f.size })),
  };
}
