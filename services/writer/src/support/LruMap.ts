/**
 * A Map bounded by entry count and, optionally, by a size measure (e.g. bytes): the least
 * recently used entries are evicted first. Keeps the writer's in-process caches from growing
 * with the number of streams ever written.
 */
export class LruMap<K, V> {
  private readonly map = new Map<K, { value: V; size: number }>();
  private total = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly sizeOf: (value: V) => number = () => 0,
    private readonly maxSize = Number.POSITIVE_INFINITY,
  ) {}

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    const hit = this.map.get(key);
    if (hit === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, hit);
    return hit.value;
  }

  set(key: K, value: V): this {
    this.delete(key);
    const size = this.sizeOf(value);
    this.map.set(key, { value, size });
    this.total += size;
    for (const [oldest, entry] of this.map) {
      if (this.map.size <= this.maxEntries && this.total <= this.maxSize) break;
      if (oldest === key && this.map.size === 1) break; // one oversized value is kept alone
      this.map.delete(oldest);
      this.total -= entry.size;
    }
    return this;
  }

  delete(key: K): boolean {
    const hit = this.map.get(key);
    if (hit === undefined) return false;
    this.map.delete(key);
    this.total -= hit.size;
    return true;
  }
}
