import type { RegistryClient } from '../../schema/registry/registry-client.ts';
import { BufferedUsageStore, type UsageRow } from './field-usage-store.ts';

/**
 * Usage kept by a registry (`meshgate registry serve`), shared by every gateway that
 * serves from it: batches are posted with the gateway's token, and the catalog's
 * questions are asked of the registry.
 */
export class RegistryUsageStore extends BufferedUsageStore {
  constructor(
    private readonly registry: RegistryClient,
    flushIntervalMs = 5_000,
  ) {
    super(flushIntervalMs);
  }

  protected async write(rows: readonly UsageRow[]): Promise<void> {
    // Bounded: a registry that stops answering must not hold a flush, or the gateway's close.
    const records = rows.map((row) => ({ field: row.coordinate, client: row.client, day: row.day, count: row.count, ...(row.application ? { application: row.application } : {}) }));
    await this.registry.call('POST', '/v1/usage', { records }, { timeoutMs: 5_000 });
  }

  protected read(coordinate: string, sinceDay: string, untilDay: string): Promise<UsageRow[]> {
    const query = new URLSearchParams({ field: coordinate, since: sinceDay, until: untilDay });
    return this.registry.call<UsageRow[]>('GET', `/v1/usage?${query}`, undefined, { timeoutMs: 5_000 });
  }
}
