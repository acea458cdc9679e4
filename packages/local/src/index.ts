export * from './errors.js';
export * from './faults.js';
export * from './store.js';
export * from './server.js';
export * from './export.js';
export * from './journal.js';
export * from './ion.js';
