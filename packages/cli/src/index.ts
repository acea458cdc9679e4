export { main, versionLine } from './main.js';
