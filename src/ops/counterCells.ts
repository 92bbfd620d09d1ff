/**
 * A prom-client Counter whose hot path is a plain number bump. prom-client's `inc({...})` builds and hashes
 * a label string and validates the labels on every call (about 0.3 µs each, twice per recharge callback);
 * here each label tuple gets a cell the first time it is seen, found again through nested Maps keyed by the
 * raw label values (no string built, no object allocated), and the counts are handed to prom-client only
 * when something reads the registry (a scrape). Name, help, labels and the text a scrape sees are
 * prom-client's own, unchanged.
 */
import { Counter, type Registry } from 'prom-client';

type LabelValue = string | number;

interface Cell {
  readonly labels: Record<string, string>;
  /** Counted so far in process. */
  value: number;
  /** Already handed to prom-client; only the difference is added at a read, so `registry.resetMetrics()` still zeroes the series. */
  reported: number;
}

/** Nested Maps, one level per label; the last level holds the cells. */
type Level = Map<LabelValue, Level | Cell>;

export interface CellCounterConfig<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
  registers: Registry[];
}

export class CellCounter<L extends string> {
  readonly counter: Counter<L>;
  private readonly labelNames: readonly L[];
  private readonly root: Level = new Map();
  /** One cell per series: `1` and `'1'` reach the same one. */
  private readonly cells = new Map<string, Cell>();

  constructor(c: CellCounterConfig<L>) {
    if (c.labelNames.length < 1 || c.labelNames.length > 3) throw new Error('CellCounter takes one to three labels');
    this.labelNames = c.labelNames;
    const cells = this.cells;
    this.counter = new Counter<L>({
      name: c.name,
      help: c.help,
      labelNames: c.labelNames,
      registers: c.registers,
      // runs at every read of the registry, never per bump
      collect() {
        for (const cell of cells.values()) {
          if (cell.value === cell.reported) continue;
          this.inc(cell.labels as Partial<Record<L, string>>, cell.value - cell.reported);
          cell.reported = cell.value;
        }
      },
    });
  }

  /** Adds one to the series with these label values, in the order of `labelNames`. */
  inc(a: LabelValue, b?: LabelValue, c?: LabelValue): void {
    const n = this.labelNames.length;
    let level = this.root;
    if (n > 1) level = this.step(level, a);
    if (n > 2) level = this.step(level, b!);
    const last = n === 1 ? a : n === 2 ? b! : c!;
    const cell = level.get(last) as Cell | undefined;
    if (cell) cell.value++;
    else this.firstOf(level, last, a, b, c).value++;
  }

  private step(level: Level, key: LabelValue): Level {
    let next = level.get(key) as Level | undefined;
    if (!next) level.set(key, (next = new Map()));
    return next;
  }

  private firstOf(level: Level, key: LabelValue, a: LabelValue, b: LabelValue | undefined, c: LabelValue | undefined): Cell {
    const values = [a, b, c].slice(0, this.labelNames.length).map(String);
    const id = JSON.stringify(values);
    let cell = this.cells.get(id);
    if (!cell) {
      const labels = Object.fromEntries(this.labelNames.map((name, i) => [name, values[i]!]));
      this.cells.set(id, (cell = { labels, value: 0, reported: 0 }));
    }
    level.set(key, cell);
    return cell;
  }
}
