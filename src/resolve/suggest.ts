/**
 * A name with case, spacing, punctuation and width ignored ("Premium+" and "premium", "Ｇｏｌｄ" and
 * "Gold" look alike): only to suggest names, never to match one.
 */
function looseKey(name: string): string {
  return name.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/** Edit distance between two short strings (names of packages), two rows of memory. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Up to `max` names closest to `wanted`, for "did you mean" hints; names too far off are left out. */
export function closestNames(wanted: string, names: readonly string[], max = 3): string[] {
  const key = looseKey(wanted);
  const scored = [...new Set(names)].map((name) => {
    const candidate = looseKey(name);
    const contains = key !== '' && candidate !== '' && (candidate.includes(key) || key.includes(candidate));
    return { name, score: contains ? 0 : distance(key, candidate) / Math.max(key.length, candidate.length, 1) };
  });
  return scored
    .filter((s) => s.score <= 0.5)
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, max)
    .map((s) => s.name);
}
