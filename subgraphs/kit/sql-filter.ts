import type { StoreValue } from './store.ts';

/**
 * Builds the WHERE clause of a filtered list from optional GraphQL filter fields. Values
 * are always bound as `$n` parameters, never spliced into SQL.
 *
 * @example new SqlFilter().equals('segment = ?', filter?.segment).toWhere()
 */
export class SqlFilter {
  private readonly conditions: string[] = [];
  readonly params: StoreValue[] = [];

  /** Adds `condition` (with one `?` for the value) when the value was given. */
  when(condition: string, value: StoreValue | null | undefined): this {
    if (value === null || value === undefined || value === '') return this;
    this.params.push(value);
    this.conditions.push(condition.replace('?', `$${this.params.length}`));
    return this;
  }

  /** Adds a condition without a value when `applies` is true. */
  whenTrue(condition: string, applies: boolean): this {
    if (applies) this.conditions.push(condition);
    return this;
  }

  toWhere(): string {
    return this.conditions.length ? `WHERE ${this.conditions.join(' AND ')}` : '';
  }
}
