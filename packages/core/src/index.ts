export * from './task.js';
export * from './record.js';
export * from './failure.js';
export * from './source.js';
