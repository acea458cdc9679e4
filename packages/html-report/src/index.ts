export * from './render-html-report.js';
