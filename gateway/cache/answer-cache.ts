import type { ProductReport } from '../../schema/protocol/product-report.ts';
import { RecencyMap } from '../primitives/recency-map.ts';
import type { ProductWatermark, WatermarkTracker } from './watermark-tracker.ts';

/** The watermark of one product an answer was made from. */
interface Source extends ProductWatermark {
  product: string;
  url: string;
}

interface Entry<R> {
  answer: R;
  /** What each product reported while answering: a hit lists them in `extensions.dataProducts` too. */
  reports: ReadonlyMap<string, ProductReport | null>;
  sources: readonly Source[];
}

export interface AnswerCacheOptions {
  /** Most answers kept; the least recently used go first. */
  maxEntries: number;
  /** A product's GraphQL URL (its /watermark sits beside it), or undefined when unknown. */
  urlOf(product: string): string | undefined;
  /** Told of every lookup, for metrics. */
  onLookup?: (outcome: 'hit' | 'miss') => void;
}

/**
 * Whole answers to repeated queries, valid until any product they were made from reports a
 * new watermark. The watermark cache below it keeps each product's answers, but a hit there
 * still pays for executing the query plan; for the same answer identity, this skips
 * execution too. The key is that identity (`answerIdentity`): what reached the
 * products, so an answer serves every caller with equal rights whatever their token, and
 * never one whose rights cut other fields or who sees another API schema variant. Access
 * denials are applied to each caller's own copy afterwards. An answer is only kept when every product
 * that contributed has a watermark, the watermarks did not move while it was made, and it
 * has no errors. It lives in this gateway's memory: the answer's data tree is shared,
 * read-only, by every request it answers.
 */
export class AnswerCache<R extends { errors?: readonly unknown[] }> {
  private readonly entries: RecencyMap<string, Entry<R>>;

  constructor(
    private readonly watermarks: WatermarkTracker,
    private readonly options: AnswerCacheOptions,
  ) {
    this.entries = new RecencyMap(options.maxEntries);
  }

  /** The answer kept under `key` while every source still has the watermark it had. */
  async lookup(key: string): Promise<{ answer: R; reports: ReadonlyMap<string, ProductReport | null> } | undefined> {
    const entry = this.entries.peek(key);
    if (entry && (await this.stillCurrent(entry))) {
      this.entries.touch(key);
      this.options.onLookup?.('hit');
      return entry;
    }
    if (entry) this.entries.delete(key);
    this.options.onLookup?.('miss');
    return undefined;
  }

  /** Keeps `answer` when it is complete and every product behind it has an unchanged watermark. */
  async remember(key: string, answer: R, reports: ReadonlyMap<string, ProductReport | null>): Promise<void> {
    if (answer.errors?.length || reports.size === 0) return;
    const sources: Source[] = [];
    for (const [product, report] of reports) {
      const url = this.options.urlOf(product);
      if (!url || !report?.dataAsOf) return;
      const current = await this.watermarks.current(product, url);
      // The product moved while the answer was being made: it may mix old and new data.
      if (!current || current.version !== report.version || current.dataAsOf !== report.dataAsOf) return;
      sources.push({ product, url, ...current });
    }
    this.entries.set(key, { answer, reports: new Map(reports), sources });
  }

  private async stillCurrent(entry: Entry<R>): Promise<boolean> {
    for (const source of entry.sources) {
      const current = await this.watermarks.current(source.product, source.url);
      if (!current || current.version !== source.version || current.dataAsOf !== source.dataAsOf) return false;
    }
    return true;
  }
}
