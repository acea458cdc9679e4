#!/usr/bin/env node
// The installed command runs the compiled CLI; inside this repository use `pnpm tsbatch` (runs from source).
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv.slice(2));
