// Which identity keys a file has shown already, and on which row. A million rows must not mean a
// million key strings kept alive: the table holds a 64-bit hash of each key and the row it came
// from, in typed arrays (12 bytes a slot, open addressing, doubling when three quarters full).
// Two different keys of a million-row file share a 64-bit hash with odds of about 1 in 10^7;
// such a row would be reported as a duplicate of the other.

const EMPTY = 0;
const INITIAL_CAPACITY = 1 << 12;

export class SeenKeys {
  private high = new Uint32Array(INITIAL_CAPACITY);
  private low = new Uint32Array(INITIAL_CAPACITY);
  /** The first source row of each key; rows start at 1, so 0 marks a free slot. */
  private rows = new Uint32Array(INITIAL_CAPACITY);
  private size = 0;

  /**
   * Records the key for this row; returns the row that had it first, or undefined if it is new. The
   * key may come in parts, read as if joined into one string.
   */
  firstRowOf(key: string | readonly string[], sourceRow: number): number | undefined {
    const [h, l] = hash64(key);
    const mask = this.rows.length - 1;
    for (let i = l & mask; ; i = (i + 1) & mask) {
      const row = this.rows[i] ?? EMPTY;
      if (row === EMPTY) {
        this.high[i] = h;
        this.low[i] = l;
        this.rows[i] = sourceRow;
        if (++this.size * 4 > this.rows.length * 3) this.grow();
        return undefined;
      }
      if (this.high[i] === h && this.low[i] === l) return row;
    }
  }

  private grow(): void {
    const { high, low, rows } = this;
    const capacity = rows.length * 2;
    this.high = new Uint32Array(capacity);
    this.low = new Uint32Array(capacity);
    this.rows = new Uint32Array(capacity);
    const mask = capacity - 1;
    for (let j = 0; j < rows.length; j++) {
      const row = rows[j] ?? EMPTY;
      if (row === EMPTY) continue;
      const l = low[j] ?? 0;
      let i = l & mask;
      while ((this.rows[i] ?? EMPTY) !== EMPTY) i = (i + 1) & mask;
      this.high[i] = high[j] ?? 0;
      this.low[i] = l;
      this.rows[i] = row;
    }
  }
}

/**
 * Two independently mixed 32-bit lanes (cyrb53's mixing, all 64 bits kept). A key in parts hashes as
 * the parts joined, without joining them: a key built with `+` is a rope of strings, and reading a
 * rope a character at a time costs more than the hash.
 */
export function hash64(key: string | readonly string[]): [number, number] {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  const parts = typeof key === 'string' ? [key] : key;
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p] as string;
    for (let i = 0; i < part.length; i++) {
      const ch = part.charCodeAt(i);
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
    }
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
}
