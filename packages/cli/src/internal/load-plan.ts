/** R-SUBMIT-2: the task read and validated as a plan reads it (its quotas checked per task), and its plan. */
import { parseS3Path, planTasks, type TaskPlan } from '@tsbatch/aws';
import { resolveSource, type ResolvedSource, type ResolvedTask, type SourceLocation } from '@tsbatch/core';

import { stringOption, UsageError, type Io, type OptionSpec, type ParsedArgs } from './command.js';
import { loadTask, sourceProblem } from './load-task.js';
import { formatReport } from '../commands/validate.js';

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

/** The task and its plan; null (after printing the issues) when the task is invalid. */
export async function loadPlan(args: ParsedArgs, io: Io): Promise<LoadedPlan | null> {
  const { result, location } = await loadTask(args, io.cwd, undefined, 'without-local', {
    sourceLimits: false,
  });
  if (!result.ok || result.task === undefined) {
    io.stderr.write(formatReport(args.positionals[0]!, result.issues));
    io.stderr.write('The task is invalid; no plan was made.\n');
    return null;
  }
  const task = result.task;
  const resolved = await resolveSource(task.source, location!);
  if (!resolved.ok) throw new UsageError(sourceProblem(resolved.error.message, location!));
  const stage = stageOf(stringOption(args, 'stage-prefix'), task.source.bucket);
  const plan = planTasks(task, resolved.source, stage === undefined ? {} : { stage });
  return { task, source: resolved.source, location: location!, plan };
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
