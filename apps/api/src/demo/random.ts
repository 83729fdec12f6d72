/** The seeded randomness the demo data is generated from: the same numbers on every platform. */

/** A small seeded PRNG (mulberry32). */
export class Prng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  /** A pick where each item carries a weight. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    return items[items.length - 1]![0];
  }
  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy;
  }
}

/** `count` values from min..max, every value used before any repeats, in a shuffled order. */
export function spread(rng: Prng, min: number, max: number, count: number): number[] {
  const values: number[] = [];
  while (values.length < count) {
    values.push(...rng.shuffle(Array.from({ length: max - min + 1 }, (_, i) => min + i)));
  }
  return values.slice(0, count);
}

export function uniqueNames(rng: Prng, given: readonly string[], family: readonly string[], count: number) {
  const g = rng.shuffle(given);
  const f = rng.shuffle(family);
  return Array.from({ length: count }, (_, i) => ({ given: g[i % g.length]!, family: f[i % f.length]! }));
}
