import { describe, expect, it } from '@jest/globals';
import { runInNewContext } from 'node:vm';
import { withLatin1Source } from '../../kernel/latin1-source.js';

const beyondLatin1 = /[\u0100-\uffff]/;

describe('withLatin1Source', () => {
  it('leaves Latin-1 source as it is', () => {
    const code = "const unit = { 'µs': 1e-3 }; // µ and ü are Latin-1\n";
    expect(withLatin1Source(code)).toBe(code);
  });

  it('writes every other character as an escape, and the program computes the same', () => {
    const code = [
      '// a comment with an arrow → and a dash —',
      'const units = { μs: 1e-3, "✖": 1 };',
      'const term = /(ms|μs)/y;',
      'const mark = `✖ ${Object.keys(units).join(" → ")} 😀`;',
      '[units.μs, term.exec("μs")[1], mark, "—".length];',
    ].join('\n');
    const escaped = withLatin1Source(code);
    expect(escaped).not.toMatch(beyondLatin1);
    expect(escaped).toContain('\\u03bcs: 1e-3');
    expect(runInNewContext(escaped)).toEqual(runInNewContext(code));
  });
});
