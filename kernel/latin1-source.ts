// V8 holds a script's source one byte per character only while every character is Latin-1 (up to U+00FF);
// a single character above that anywhere makes it hold the whole source as UTF-16, twice the memory, for
// the life of the process. Measured 2026-12-05 (heap snapshots, 10,000 cached pods): the 3.0 MB operator
// bundle was held as 5.8 MB because of one Greek mu in a regular expression, and the 3.3 MB workflow
// bundle as 6.5 MB in the workflow thread because of 52 such characters, most of them in comments.

/**
 * `code` with every character above U+00FF written as a `\uXXXX` escape (a character outside the BMP as
 * its two surrogates): the same program in comments, string and template literals, regular expressions
 * and identifiers, except in the raw strings of tagged templates (`String.raw`), where the escape would be
 * taken literally; the bundles have none with such a character.
 */
export function withLatin1Source(code: string): string {
  return code.replace(/[\u0100-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
