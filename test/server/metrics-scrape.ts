/** Reads samples out of Prometheus exposition text, for the metrics tests. */

export type Samples = ReadonlyMap<string, number>;

/** Every sample line, keyed by its name and label text as printed: `name` or `name{le="0.001"}`. */
export function parseSamples(text: string): Samples {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match === null) throw new Error(`not a sample line: ${line}`);
    samples.set(match[1]!, Number(match[2]));
  }
  return samples;
}

/** One sample's value; throws when the exposition lacks it. */
export function sample(samples: Samples, key: string): number {
  const value = samples.get(key);
  if (value === undefined) throw new Error(`no sample ${key} in the exposition`);
  return value;
}

/** A histogram's `le` bounds (without +Inf) and their cumulative counts, in exposition order. */
export function buckets(samples: Samples, name: string): Array<{ le: number; count: number }> {
  const found: Array<{ le: number; count: number }> = [];
  const prefix = `${name}_bucket{le="`;
  for (const [key, count] of samples) {
    if (!key.startsWith(prefix)) continue;
    const le = key.slice(prefix.length, -2);
    if (le !== '+Inf') found.push({ le: Number(le), count });
  }
  return found;
}

export async function scrape(url: string): Promise<Samples> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}`);
  return parseSamples(await response.text());
}
