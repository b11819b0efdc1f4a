import type { ChildService } from './child-service.ts';
import { cpuMs } from './proc-stats.ts';
import { formatTable } from './table.ts';

/**
 * What a product's process has done so far, as its counters say: the runner reads them
 * before and after each measured run, so a product-side regression (more fetches per
 * request, a dearer fetch) shows beside the gateway's own figures.
 */
export interface ProductCounters {
  /** Requests the product served. */
  fetches: number;
  /** Of them, `_entities` fetches: what a gateway sends one product for another's references. */
  entityFetches: number;
  /** Statements its store ran, for a product that has a store. */
  statements?: number;
}

/** The reply of a product process to `{ type: 'counters' }`. */
export interface CountersReply {
  type: 'counters';
  counters: Record<string, ProductCounters>;
}

/** Counters and the process's CPU so far (user + system, from /proc, so all it spent counts: parsing HTTP, writing sockets). */
type Reading = Record<string, ProductCounters & { cpuMs: number }>;

/**
 * Products served by child processes that answer `{ type: 'counters' }`, one product a
 * process where its CPU is to be told apart: /proc charges a process, not a product.
 */
export class ProductMeter {
  readonly #processes: readonly ChildService<unknown>[];

  constructor(processes: readonly ChildService<unknown>[]) {
    this.#processes = processes;
  }

  async read(): Promise<Reading> {
    const readings = await Promise.all(
      this.#processes.map(async (child) => {
        const { counters } = await child.ask<CountersReply>({ type: 'counters' });
        const names = Object.keys(counters);
        // A process serving several products cannot split its CPU: it goes to them as one.
        const cpu = cpuMs(child.pid);
        const label = names.length === 1 ? names[0]! : names.join('+');
        const summed = names.reduce<ProductCounters>(
          (sum, name) => ({
            fetches: sum.fetches + counters[name]!.fetches,
            entityFetches: sum.entityFetches + counters[name]!.entityFetches,
            statements: sum.statements === undefined || counters[name]!.statements === undefined ? undefined : sum.statements + counters[name]!.statements,
          }),
          { fetches: 0, entityFetches: 0, statements: 0 },
        );
        return [label, { ...summed, cpuMs: cpu }] as const;
      }),
    );
    return Object.fromEntries(readings);
  }
}

/**
 * One product's cost to one gateway, over that gateway's measured runs. Per request is over
 * the requests completed in the runs; the products also served those still in flight when a
 * run closed (one per connection at most), which a short run at low throughput overstates.
 * Per fetch has no such edge.
 */
export interface ProductCost {
  fetchesPerRequest: number;
  entityFetchesPerRequest: number;
  cpuMsPerFetch: number;
  /** Absent where the product has no store. */
  statementsPerFetch?: number;
}

/** Adds up what each product did between readings, per gateway, and says it per fetch. */
export class ProductTally {
  readonly #spent = new Map<string, Reading>();
  readonly #requests = new Map<string, number>();

  add(side: string, before: Reading, after: Reading, requests: number): void {
    const spent = this.#spent.get(side) ?? {};
    for (const [product, end] of Object.entries(after)) {
      const start = before[product]!;
      const sum = spent[product] ?? { fetches: 0, entityFetches: 0, cpuMs: 0, statements: end.statements === undefined ? undefined : 0 };
      spent[product] = {
        fetches: sum.fetches + end.fetches - start.fetches,
        entityFetches: sum.entityFetches + end.entityFetches - start.entityFetches,
        cpuMs: sum.cpuMs + end.cpuMs - start.cpuMs,
        statements: sum.statements === undefined ? undefined : sum.statements + end.statements! - start.statements!,
      };
    }
    this.#spent.set(side, spent);
    this.#requests.set(side, (this.#requests.get(side) ?? 0) + requests);
  }

  /** Per gateway, per product. */
  costs(): Record<string, Record<string, ProductCost>> {
    const result: Record<string, Record<string, ProductCost>> = {};
    for (const [side, spent] of this.#spent) {
      const requests = this.#requests.get(side)!;
      result[side] = Object.fromEntries(
        Object.entries(spent).map(([product, s]) => [
          product,
          {
            fetchesPerRequest: s.fetches / requests,
            entityFetchesPerRequest: s.entityFetches / requests,
            cpuMsPerFetch: s.fetches ? s.cpuMs / s.fetches : Number.NaN,
            ...(s.statements === undefined ? {} : { statementsPerFetch: s.fetches ? s.statements / s.fetches : Number.NaN }),
          },
        ]),
      );
    }
    return result;
  }

  /** The table printed after a side-by-side run: every product as each gateway used it. */
  format(): string {
    const costs = this.costs();
    const withStatements = Object.values(costs).some((products) => Object.values(products).some((c) => c.statementsPerFetch !== undefined));
    const header = ['gateway', 'product', 'fetches/req', 'entity fetches/req', 'product CPU ms/fetch', ...(withStatements ? ['statements/fetch'] : [])];
    const rows = Object.entries(costs).flatMap(([side, products]) =>
      Object.entries(products).map(([product, c]) => [
        side,
        product,
        c.fetchesPerRequest.toFixed(2),
        c.entityFetchesPerRequest.toFixed(2),
        c.cpuMsPerFetch.toFixed(3),
        ...(withStatements ? [c.statementsPerFetch === undefined ? '-' : c.statementsPerFetch.toFixed(2)] : []),
      ]),
    );
    return `products' own cost (CPU of each product's process over the measured runs, per fetch it served)\n${formatTable(header, rows, 2)}`;
  }
}
