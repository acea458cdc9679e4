/** R-SUBMIT-2: a plan and a plan's outcome as text (what `tsbatch plan` and `submit --plan` print). */
import type { SourceFile } from '@tsbatch/core';
import { SOURCE_LIMITS } from '@tsbatch/validator';

import type { PlanOutcome } from './run-plan.js';
import type { TaskPlan } from './plan-tasks.js';

const GIB = 1024 ** 3;

export function formatSize(bytes: number): string {
  if (bytes >= GIB) return `${(bytes / GIB).toFixed(2)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes} B`;
}

function listed(files: readonly SourceFile[], max = 10): string {
  const shown = files
    .slice(0, max)
    .map((f) => `${f.key} (${formatSize(f.size)})`)
    .join(', ');
  return files.length > max ? `${shown} and ${files.length - max} more` : shown;
}

/** The plan: one line per task, then what keeps it from running. */
export function formatPlan(plan: TaskPlan): string {
  const { bucket, prefix } = plan.source;
  const lines = [
    `s3://${bucket}/${prefix}: ${plan.files} objects, ${formatSize(plan.bytes)} ` +
      `(a task reads at most ${SOURCE_LIMITS.maxFiles} files, ${formatSize(SOURCE_LIMITS.maxFileBytes)} a file, ` +
      `${formatSize(SOURCE_LIMITS.maxTotalBytes)} in all)`,
  ];
  if (plan.kind === 'one') {
    lines.push('One task reads it all: no plan is needed (tsbatch submit runs it).');
    return `${lines.join('\n')}\n`;
  }
  const staged = plan.tasks.filter((t) => t.copies.length > 0).length;
  lines.push(
    `${plan.tasks.length} tasks` +
      (staged > 0
        ? ` (${plan.tasks.length - staged} over sub-prefixes, ${staged} over staged copies):`
        : ' over sub-prefixes:'),
  );
  const width = String(plan.tasks.length).length;
  for (const t of plan.tasks) {
    const copies = t.copies.length > 0 ? `  (${t.copies.length} objects copied here)` : '';
    lines.push(
      `  ${String(t.index).padStart(width)}. s3://${t.bucket}/${t.prefix}  ${t.files.length} files, ${formatSize(t.bytes)}${copies}`,
    );
  }
  if (plan.unsplittable.length > 0) {
    lines.push(
      `${plan.unsplittable.length} objects cannot be cut into tasks by prefixes (a key that is the prefix of other keys, ` +
        `or a prefix that is not a legal ObjectKeyPrefix): ${listed(plan.unsplittable)}.`,
      '  Give --stage-prefix PREFIX to copy them, server-side, into one prefix per task. [PLAN_UNSPLITTABLE]',
    );
  }
  if (plan.oversized.length > 0) {
    lines.push(
      `${plan.oversized.length} objects are over ${formatSize(SOURCE_LIMITS.maxFileBytes)}, which no task reads: ` +
        `${listed(plan.oversized)}. Split each into files of at most that size, each with the header. [PLAN_OBJECT_TOO_LARGE]`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The outcome of a run: one line per task, then the summed ProgressReport. */
export function formatPlanOutcome(outcome: PlanOutcome): string {
  const lines = outcome.tasks.map(
    (t) =>
      `  ${t.task.index}. ${t.taskId ?? '(not created)'} ${t.description?.TaskStatus ?? ''} s3://${t.task.bucket}/${t.task.prefix}` +
      `${t.resumes > 0 ? ` (resumed ${t.resumes}x)` : ''}`,
  );
  lines.push(`  Summed ProgressReport: ${JSON.stringify(outcome.progress)}`);
  return `${lines.join('\n')}\n`;
}
