import { writeFileSync } from 'node:fs';

export interface Figure {
  value: number;
  unit: string;
  baseline?: number;
  ratio?: number;
  target: string;
  /** Whether the figure meets its target. */
  ok?: boolean;
  note?: string;
}

/** Prints the table and writes bench/results.json in the shape DESIGN.md fixes. */
export function report(figures: Record<string, Figure>, file = 'bench/results.json'): void {
  const rows = Object.entries(figures).map(([name, f]) => [
    name,
    `${fmt(f.value)} ${f.unit}`,
    f.baseline === undefined ? '' : fmt(f.baseline),
    f.ratio === undefined ? '' : fmt(f.ratio),
    f.target,
    f.ok === undefined ? '' : f.ok ? 'ok' : 'MISSED',
  ]);
  const head = ['figure', 'value', 'baseline', 'ratio', 'target', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log('\n' + line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  for (const [name, f] of Object.entries(figures)) if (f.note) console.log(`  ${name}: ${f.note}`);
  const json = Object.fromEntries(
    Object.entries(figures).map(([name, f]) => [
      name,
      { value: round(f.value), unit: f.unit, ...(f.baseline !== undefined ? { baseline: round(f.baseline) } : {}), ...(f.ratio !== undefined ? { ratio: round(f.ratio) } : {}), target: f.target },
    ]),
  );
  writeFileSync(file, JSON.stringify(json, null, 2) + '\n');
  console.log(`\nwrote ${file}`);
}

const round = (n: number) => Math.round(n * 1000) / 1000;
const fmt = (n: number) => (Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : String(round(n)));
