/**
 * Re-keying at the end of a run: the route templater's cardinality guard may collapse a position after routes under
 * it were counted (enrich/route-guard.ts), so every route- or endpoint-keyed state maps its keys through the final
 * form (`RouteTemplater.finalRoute`/`finalEndpoint`) before it is judged or reported, and entries whose keys become
 * equal merge, as if the collapse had been known from the first record. Each such state has a `rekey(map)` built on
 * `rekeyEntries`; the run calls them only when something collapsed (analysis-core.ts), so it costs nothing otherwise.
 */

/** What rekeyEntries needs of a map (a Map or a CappedMap). */
export interface RekeyableMap<V> {
  entries(): IterableIterator<[string, V]>;
  get(key: string): V | undefined;
  delete(key: string): boolean;
  set(key: string, v: V): unknown;
  /** A CappedMap's counts: a moved or merged entry is not one more key inserted. */
  readonly stats?: { inserted: number };
}

/**
 * Moves every entry whose key `map` changes to its new key, merging it into the entry already there (`merge(into,
 * from)`), in the map's order; returns how many moved. Keys that stay are not touched.
 */
export function rekeyEntries<V>(m: RekeyableMap<V>, map: (key: string) => string, merge: (into: V, from: V) => void): number {
  const moves: [string, string, V][] = [];
  for (const [key, v] of m.entries()) {
    const to = map(key);
    if (to !== key) moves.push([key, to, v]);
  }
  for (const [key] of moves) m.delete(key);
  for (const [, to, v] of moves) {
    const mine = m.get(to);
    if (mine !== undefined) merge(mine, v);
    else m.set(to, v);
    // One key fewer than counted: the old one (merged), or the new one set here (a move, not a new key).
    if (m.stats !== undefined) m.stats.inserted--;
  }
  return moves.length;
}
