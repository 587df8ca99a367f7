// tail(): the last lines of an output for a report, found from the end of the text; the same as splitting it whole.
import { describe, expect, test } from '@jest/globals';
import { tail } from '../../src/context/exec.js';

/** The straightforward version tail() replaced: split everything, keep the end. */
function splitTail(text: string, lines: number): string {
  const all = text.replace(/\0/g, '\n').replace(/\s+$/, '').split('\n');
  return (all.length > lines ? ['…', ...all.slice(-lines)] : all).join('\n');
}

describe('tail', () => {
  test('agrees with splitting the whole text on 20000 random outputs (newlines, NULs, blanks, CR, non-ASCII)', () => {
    const alphabet = ['a', 'b', '\n', '\n', '\0', ' ', '\t', '\r', 'é', '\u2028', '✓'];
    let seed = 42;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let k = 0; k < 20000; k++) {
      const text = Array.from({ length: rnd(40) }, () => alphabet[rnd(alphabet.length)]).join('');
      const lines = 1 + rnd(6);
      expect([text, lines, tail(text, lines)]).toEqual([text, lines, splitTail(text, lines)]);
    }
  });

  test('the last 15 lines by default, marked when cut; NUL records one per line', () => {
    const text = Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n') + '\n\n';
    expect(tail(text)).toBe(['…', ...Array.from({ length: 15 }, (_, i) => `line ${i + 25}`)].join('\n'));
    expect(tail('a  f1\0b  f2\0')).toBe('a  f1\nb  f2');
    expect(tail('')).toBe('');
    expect(tail('only\n')).toBe('only');
  });

  test('a 100 MB output: the same last lines as splitting it whole', () => {
    const big = 'x'.repeat(99).concat('\n').repeat(1_000_000);
    expect(tail(big)).toBe(splitTail(big, 15));
  });
});
