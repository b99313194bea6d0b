/** One column of a table: its header and how to render a row's cell. */
export interface Column<T> {
  readonly header: string;
  readonly cell: (row: T) => string;
}

/**
 * Renders rows as an aligned text table: upper-case headers, two spaces between columns, no trailing blanks.
 * Returns one string per line; an empty row list renders the header only.
 */
export function formatTable<T>(columns: readonly Column<T>[], rows: readonly T[]): string[] {
  const cells = rows.map((row) => columns.map((c) => sanitize(c.cell(row))));
  const headers = columns.map((c) => c.header.toUpperCase());
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (values: readonly string[]): string =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)];
}

// A cell is one line: control characters (newlines from device-supplied data) would break the alignment, and C1
// controls (U+0080–U+009F, such as U+009B CSI) would reach the terminal as escape sequences.
function sanitize(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    out += code < 0x20 || (code >= 0x7f && code <= 0x9f) ? ' ' : ch;
  }
  return out;
}
