/**
 * R-QLDB-4: a journal block as Ion text, written by hand because ion-js's writers run at ~6k revisions/s here
 * (STYLE rule 13: ion-js stays the oracle: test/qldb/ion-encoders.test.ts checks that ion-js reads these bytes as the
 * value its own writer makes). The shape and typing are those of block-encoders.ts.
 */
import type { MeasureValueType, TimestreamRecord, TimeUnit } from '@tsbatch/core';
import type { JournalBlock } from './journal-block.js';
import { decimalParts, millisTimestampParts, timestampText, unitTimestampParts } from './ion-values.js';

const PLAIN = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;

/** An Ion text string: printable ASCII as is, `"` and `\` escaped, control characters as `\xHH`, the rest UTF-8. */
export function ionString(s: string): string {
  if (PLAIN.test(s)) return `"${s}"`;
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c >= 0xd800 && c <= 0xdfff)
      out += '\\ufffd'; // a lone surrogate has no UTF-8 form
    else out += ch;
  }
  return `${out}"`;
}

function decimalText(text: string): string {
  const d = decimalParts(text);
  return `${d.negative ? '-' : ''}${d.coefficient}d${d.exponent}`;
}

function valueText(type: MeasureValueType, value: string, unit: TimeUnit): string {
  switch (type) {
    case 'DOUBLE':
      return decimalText(value);
    case 'BIGINT':
      return BigInt(value).toString();
    case 'BOOLEAN':
      return value.toLowerCase() === 'true' ? 'true' : 'false';
    case 'TIMESTAMP':
      return timestampText(unitTimestampParts(value, unit));
    default:
      return ionString(value);
  }
}

export function ionTextRecord(r: TimestreamRecord): string {
  let s = '{Dimensions:[';
  for (let i = 0; i < r.Dimensions.length; i++) {
    const d = r.Dimensions[i]!;
    s += `${i === 0 ? '' : ','}{Name:${ionString(d.Name)},Value:${ionString(d.Value)},DimensionValueType:${ionString(d.DimensionValueType)}}`;
  }
  s += `],MeasureName:${ionString(r.MeasureName)},MeasureValueType:${ionString(r.MeasureValueType)}`;
  if (r.MeasureValue !== undefined)
    s += `,MeasureValue:${valueText(r.MeasureValueType, r.MeasureValue, r.TimeUnit)}`;
  if (r.MeasureValues !== undefined) {
    s += ',MeasureValues:[';
    for (let i = 0; i < r.MeasureValues.length; i++) {
      const v = r.MeasureValues[i]!;
      s += `${i === 0 ? '' : ','}{Name:${ionString(v.Name)},Value:${valueText(v.Type, v.Value, r.TimeUnit)},Type:${ionString(v.Type)}}`;
    }
    s += ']';
  }
  const time = timestampText(unitTimestampParts(r.Time, r.TimeUnit));
  return `${s},Time:${time},TimeUnit:${ionString(r.TimeUnit)},Version:${BigInt(r.Version)}}`;
}

/** One block as an Ion text struct on its own line. */
export function ionTextBlock(b: JournalBlock): string {
  const time = timestampText(millisTimestampParts(b.blockTimestamp));
  const tx = ionString(b.transactionId);
  let info = `{operation:${ionString(b.transactionInfo.operation)}`;
  if (b.transactionInfo.taskId !== undefined) info += `,taskId:${ionString(b.transactionInfo.taskId)}`;
  let s =
    `{blockAddress:{strandId:${ionString(b.blockAddress.strandId)},sequenceNo:${b.blockAddress.sequenceNo}},` +
    `transactionId:${tx},blockTimestamp:${time},blockHash:{{${b.blockHash.toString('base64')}}},` +
    `entriesHash:{{${b.entriesHash.toString('base64')}}},previousBlockHash:{{${b.previousBlockHash.toString('base64')}}},` +
    `transactionInfo:${info}},revisions:[`;
  for (let i = 0; i < b.revisions.length; i++) {
    const r = b.revisions[i]!;
    s +=
      `${i === 0 ? '' : ','}{hash:{{${r.hash.toString('base64')}}},data:${ionTextRecord(r.record)},` +
      `metadata:{tableName:${ionString(r.tableName)},version:${BigInt(r.record.Version)},txTime:${time},txId:${tx}}}`;
  }
  return `${s}]}\n`;
}
