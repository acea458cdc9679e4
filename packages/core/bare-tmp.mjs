import fs from 'node:fs';
import { parse } from 'csv-parse';
const t0 = performance.now(); let n = 0;
const p = fs.createReadStream('/tmp/csvbench/data.csv').pipe(parse());
p.on('data', () => { n++; });
p.on('end', () => { const ms = performance.now() - t0; console.log('bare', n, ms.toFixed(0), 'ms', (105.24/ms*1000).toFixed(1), 'MB/s'); });
