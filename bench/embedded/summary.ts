/**
 * The side-by-side table of a bench run: one row per figure, one column per
 * placement, each cell the median over repetitions with the range beside it
 * (so a reader sees when the spread is larger than the difference).
 */

export interface Figure {
  readonly name: string;
  /** Digits after the point when printed. */
  readonly decimals: number;
}

export class Summary {
  readonly #figures: Figure[] = [];
  readonly #labels: string[] = [];
  readonly #values = new Map<string, number[]>();

  constructor(labels: readonly string[]) {
    if (labels.length === 0) throw new RangeError('a summary needs at least one placement');
    this.#labels.push(...labels);
  }

  record(label: string, figure: Figure, value: number): void {
    if (!this.#labels.includes(label)) throw new RangeError(`unknown placement "${label}"`);
    const known = this.#figures.find((f) => f.name === figure.name);
    if (known === undefined) this.#figures.push(figure);
    else if (known.decimals !== figure.decimals) throw new RangeError(`figure "${figure.name}" recorded with two precisions`);
    const key = `${label}\u0000${figure.name}`;
    const values = this.#values.get(key) ?? [];
    values.push(value);
    this.#values.set(key, values);
  }

  /** The median of one figure for one placement (NaN when never recorded). */
  median(label: string, figureName: string): number {
    const values = [...(this.#values.get(`${label}\u0000${figureName}`) ?? [])].sort((a, b) => a - b);
    if (values.length === 0) return Number.NaN;
    const middle = Math.floor(values.length / 2);
    return values.length % 2 === 1 ? (values[middle] as number) : ((values[middle - 1] as number) + (values[middle] as number)) / 2;
  }

  markdown(): string {
    const rows = [`| figure | ${this.#labels.join(' | ')} |`, `|---|${this.#labels.map(() => '---:').join('|')}|`];
    for (const figure of this.#figures) {
      const cells = this.#labels.map((label) => this.#cell(label, figure));
      rows.push(`| ${figure.name} | ${cells.join(' | ')} |`);
    }
    return rows.join('\n');
  }

  #cell(label: string, figure: Figure): string {
    const values = this.#values.get(`${label}\u0000${figure.name}`) ?? [];
    if (values.length === 0) return '';
    const show = (value: number) => value.toLocaleString('en-US', { minimumFractionDigits: figure.decimals, maximumFractionDigits: figure.decimals });
    const median = show(this.median(label, figure.name));
    return values.length === 1 ? median : `${median} (${show(Math.min(...values))}–${show(Math.max(...values))})`;
  }
}
