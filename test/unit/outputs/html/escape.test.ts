import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHtml, jsonForScript, safeId } from '../../../../src/outputs/html/escape.js';

/** strings rich in the characters that matter here (markup, quotes, line separators, astral) */
const nasty = fc.string({ unit: fc.constantFrom('<', '>', '"', "'", '&', '/', 's', 'c', 'a', ' ', '\u2028', '\u2029', 'é', '😀', '\\'), maxLength: 60 });

describe('escapeHtml', () => {
  it('escapes the five markup characters (hand-written expectations)', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&amp;</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;');
    expect(escapeHtml('"Alice" <sip:100@pbx>')).toBe('&quot;Alice&quot; &lt;sip:100@pbx&gt;');
    expect(escapeHtml('plain text 123')).toBe('plain text 123');
  });

  it('never leaves a raw < > " or \' in any string', () => {
    fc.assert(fc.property(fc.oneof(nasty, fc.string()), (s) => !/[<>"']/.test(escapeHtml(s))), { numRuns: 300 });
  });
});

describe('jsonForScript', () => {
  it('cannot close its <script> element and parses back to the same value', () => {
    const value = { name: '</script><script>alert(1)</script>', c: '<!-- x -->', amp: 'a&b', ls: '\u2028\u2029' };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/<\/script/i);
    expect(text).not.toContain('<!--');
    expect(text).not.toContain('<');
    expect(JSON.parse(text)).toEqual(value);
  });

  it('round-trips any string without a raw < in the output', () => {
    fc.assert(fc.property(fc.oneof(nasty, fc.string()), (s) => {
      const t = jsonForScript({ s });
      return !t.includes('<') && (JSON.parse(t) as { s: string }).s === s;
    }), { numRuns: 300 });
  });
});

describe('safeId', () => {
  it('keeps plain stream ids and replaces anything else', () => {
    expect(safeId('stream-', 's12')).toBe('stream-s12');
    expect(safeId('stream-', 's"1 <x>')).toBe('stream-s_1__x_');
  });
});
