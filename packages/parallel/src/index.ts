export * from './parallel-dry-run.js';
export * from './dry-run-task.js';
