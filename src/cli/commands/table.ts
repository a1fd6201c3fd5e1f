/**
 * etcdctl's `-w table` look (the tablewriter it uses): a ruled box, headers
 * centred, cells right-aligned, one space of padding inside each rule.
 */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  for (const row of rows) {
    if (row.length !== headers.length) throw new Error(`invariant: a table row has ${row.length} cells for ${headers.length} headers`);
  }
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column]!.length)));
  const rule = `+${widths.map((width) => '-'.repeat(width + 2)).join('+')}+`;
  const line = (cells: readonly string[], place: (cell: string, width: number) => string) =>
    `| ${cells.map((cell, column) => place(cell, widths[column]!)).join(' | ')} |`;
  const centre = (cell: string, width: number) => cell.padStart(cell.length + Math.floor((width - cell.length) / 2)).padEnd(width);
  const right = (cell: string, width: number) => cell.padStart(width);
  return [rule, line(headers, centre), rule, ...rows.map((row) => line(row, right)), rule].join('\n');
}
