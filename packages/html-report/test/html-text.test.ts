/** Text written into the HTML report: escaped where it is HTML, and JSON that cannot close its <script>. */
import { describe, expect, it } from 'vitest';
import { count, escapeHtml, scriptJson } from '../src/html-text.js';

describe('html text', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('writes JSON that neither ends its script element nor changes when parsed back', () => {
    const value = { v: '</script><script>alert(1)</script>', s: 'a\u2028b\u2029c<!--' };
    const text = scriptJson(value);
    expect(text).not.toMatch(/<\/script|<!--/i);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('groups digits by thousands as the CLI summary does', () => {
    expect([0, 999, 1000, 1236, 1234567, -4500].map(count)).toEqual([
      '0',
      '999',
      '1,000',
      '1,236',
      '1,234,567',
      '-4,500',
    ]);
  });
});
