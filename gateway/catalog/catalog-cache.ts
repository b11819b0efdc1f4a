import type { SupergraphState } from '../supergraph/supergraph-source.ts';
import type { FieldUsageStore } from '../observability/field-usage-store.ts';
import type { CallerView } from '../access/caller-view.ts';
import type { Catalog, ProductWatermarkSource } from './catalog-data.ts';
import { catalogForCaller, catalogViewKey } from './catalog-view.ts';

/** The catalog as served to one kind of caller: its data, and its JSON serialized once per build and kind. */
export interface CatalogPages {
  catalog: Catalog;
  json: string;
}

export interface CatalogCacheOptions {
  meshRoot?: string;
  watermarks: ProductWatermarkSource;
  usage?: FieldUsageStore;
  /** Called once per build (the gateway counts builds in `/metrics`). */
  onBuild?: () => void;
  /**
   * Longest a build is served: freshness ("fresh" or "stale" against the SLA) moves with
   * the clock even when nothing else changes. @default 30000
   */
  maxAgeMs?: number;
  now?: () => number;
}

/**
 * `/catalog` and `/catalog.json`, built once per supergraph, usage flush and product
 * watermark instead of per request. A build reads every product's descriptor and SDL from
 * disk and walks the contract pipeline (90-350 ms of CPU); the endpoints are
 * unauthenticated and not rate limited, so per-request builds let anyone spend the
 * gateway's event loop. Callers arriving during a build share it.
 */
export class CatalogCache {
  private current: { key: string; builtAt: number; pages: Promise<Catalog> } | undefined;
  /** Each build cut for each kind of caller (`catalogViewKey`), kept as long as the build. */
  private readonly cuts = new WeakMap<Catalog, Map<string, CatalogPages>>();
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(private readonly options: CatalogCacheOptions) {
    this.maxAgeMs = options.maxAgeMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  /** The catalog as `view` may see it (see `catalogForCaller`). */
  async forCaller(state: SupergraphState, view: CallerView): Promise<CatalogPages> {
    const whole = await this.whole(state);
    let cuts = this.cuts.get(whole);
    if (!cuts) {
      cuts = new Map();
      this.cuts.set(whole, cuts);
    }
    const key = catalogViewKey(view);
    let cut = cuts.get(key);
    if (!cut) {
      const catalog = catalogForCaller(whole, view);
      cut = { catalog, json: JSON.stringify(catalog) };
      cuts.set(key, cut);
    }
    return cut;
  }

  /** The whole catalog, before any caller's cut: never served as it is. */
  private whole(state: SupergraphState): Promise<Catalog> {
    const served = state.phase === 'serving' ? state.subgraphs.map((s) => s.name) : [];
    // Everything a build reads that can change while the gateway runs: the served
    // supergraph (by hash), the usage store's writes and each product's watermark.
    const key = JSON.stringify([state.phase === 'serving' ? state.hash : state.phase, served, this.options.usage?.writes ?? 0, served.map((name) => this.options.watermarks.dataAsOf(name) ?? null)]);
    const current = this.current;
    if (current && current.key === key && this.now() - current.builtAt < this.maxAgeMs) return current.pages;
    const pages = this.build(served);
    this.current = { key, builtAt: this.now(), pages };
    // A failed build is not kept: the next request tries again.
    pages.catch(() => {
      if (this.current?.pages === pages) this.current = undefined;
    });
    return pages;
  }

  private async build(served: string[]): Promise<Catalog> {
    this.options.onBuild?.();
    // Loaded on the first catalog request: it reads the mesh with the contract pipeline
    // (composition, lineage), which a gateway that only serves queries never needs in memory.
    const { buildCatalog } = await import('./catalog-data.ts');
    return buildCatalog({ meshRoot: this.options.meshRoot, served: new Set(served), watermarks: this.options.watermarks, usage: this.options.usage });
  }
}
