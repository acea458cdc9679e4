// Seeded generators of the CSV shapes the dry run must be fast on (issue 15): plain ASCII is the fleet file of
// generate.ts; the others have a text dimension and a VARCHAR note, quoted some of the time (separators and newlines
// inside), every field quoted, UTF-8 text (accents, CJK) without quotes, and EscapeChar `\` inside quotes.
import { createWriteStream, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateFleetCsv, prng } from './generate.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export const SHAPES = ['plain', 'quoted-some', 'quoted-all', 'utf8', 'escape'] as const;
export type Shape = (typeof SHAPES)[number];

/** The task each shape is read with, and the CSV options a baseline parser needs to read it the same way. */
export interface ShapeSpec {
  shape: Shape;
  task: string;
  escape: string | null;
}

export function shapeSpec(shape: Shape): ShapeSpec {
  if (shape === 'plain') return { shape, task: path.join(here, '../examples/fleet/task.json'), escape: null };
  const task = shape === 'escape' ? 'shapes-escape-task.json' : 'shapes-task.json';
  return { shape, task: path.join(here, 'tasks', task), escape: shape === 'escape' ? '\\' : null };
}

export const SHAPES_HEADER = 'timestamp,vehicle,registration,city,wgt,spd,fuel_consumption,miles,note';

const CITIES_ASCII = ['Lyon', 'Boston', 'Austin', 'Leeds', 'Osaka', 'Perth', 'Turin', 'Dakar'];
const CITIES_UTF8 = ['São Paulo', 'Zürich', '東京', 'Kraków', 'Málaga', '北京市', 'Genève', 'Łódź', '서울'];
const NOTES_ASCII = ['ok', 'refuelled', 'tyre check', 'late', 'on route'];
const NOTES_UTF8 = ['配送完了', 'retard à Orléans', 'Straße gesperrt', '荷物あり', 'ok', 'niño en sitio'];

type Row = (r: () => number, t: number) => string;

function fields(r: () => number, t: number, utf8: boolean): string[] {
  const v = Math.floor(r() * 5000);
  const cities = utf8 ? CITIES_UTF8 : CITIES_ASCII;
  const notes = utf8 ? NOTES_UTF8 : NOTES_ASCII;
  return [
    String(t),
    `vehicle-${v}`,
    `REG-${(v * 7919) % 100000}`,
    cities[v % cities.length]!,
    (1000 + r() * 9000).toFixed(1),
    (r() * 120).toFixed(2),
    (r() * 30).toFixed(3),
    String(Math.floor(r() * 1e6)),
    notes[Math.floor(r() * notes.length)]!,
  ];
}

const ROWS: Record<Exclude<Shape, 'plain'>, Row> = {
  // One row in four has a quoted note with a separator and a newline inside; one in eight a quoted registration.
  'quoted-some': (r, t) => {
    const f = fields(r, t, false);
    if (r() < 0.25) f[8] = `"stop ${Math.floor(r() * 99)}, bay ${Math.floor(r() * 9)}\nsigned ""${f[1]}"""`;
    if (r() < 0.125) f[2] = `"${f[2]}"`;
    return f.join(',');
  },
  // What many CSV writers do by default: every field quoted.
  'quoted-all': (r, t) =>
    fields(r, t, false)
      .map((f) => `"${f}"`)
      .join(','),
  utf8: (r, t) => fields(r, t, true).join(','),
  // EscapeChar `\`: quoted notes with escaped quotes and backslashes.
  escape: (r, t) => {
    const f = fields(r, t, false);
    if (r() < 0.5) f[8] = `"said \\"${f[8]}\\", path C:\\\\fleet"`;
    return f.join(',');
  },
};

/** Writes a CSV of `shape` of at least `bytes` bytes, seeded (reused when it exists); returns its path. */
export async function generateShapeCsv(
  dir: string,
  shape: Shape,
  bytes: number,
  seed: number,
): Promise<string> {
  if (shape === 'plain') return generateFleetCsv(dir, bytes, seed);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `shape-${shape}-${bytes}-${seed}.csv`);
  if (existsSync(file) && statSync(file).size >= bytes) return file;
  const random = prng(seed);
  const row = ROWS[shape];
  const tmp = `${file}.tmp`;
  const out = createWriteStream(tmp);
  let written = 0;
  let t = 1714521600;
  out.write(`${SHAPES_HEADER}\n`);
  while (written < bytes) {
    let chunk = '';
    for (let i = 0; i < 5000; i++) {
      t += 1 + Math.floor(random() * 2); // strictly increasing: no two rows share a key (R-DUP-1)
      chunk += `${row(random, t)}\n`;
    }
    written += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
  renameSync(tmp, file);
  return file;
}
