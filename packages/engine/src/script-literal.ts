/**
 * JavaScript literals that are safe inside a `<script>` element or a JavaScript response:
 * `JSON.stringify`, then `<`, `>` and `&` as `\u003c`/`\u003e`/`\u0026` (so that neither
 * `</script` nor `<!--` can end or change the script; HTML 5.3, "Restrictions for contents of
 * script elements"), and U+2028/U+2029 escaped (line terminators in older JavaScript strings).
 */

const UNSAFE = /[<>&\u2028\u2029]/g;

function escapeOne(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/** `value` as a JSON literal that can be placed in a script verbatim. */
export function scriptLiteral(value: unknown): string {
  return JSON.stringify(value).replace(UNSAFE, escapeOne);
}

/** `n` when it is a decimal index of at most 9 digits (e.g. JSONP's `j`), else undefined. */
export function parseIndex(value: string | null): number | undefined {
  return value !== null && /^[0-9]{1,9}$/.test(value) ? Number(value) : undefined;
}
