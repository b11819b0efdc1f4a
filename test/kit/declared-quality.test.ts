import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runQualityTests, type RuleResult } from '../../gateway/quality/quality-runner.ts';
import type { DataStore, StoreValue } from '../../subgraphs/kit/store.ts';
import { createShopTables, FIXTURE_DIR, PEOPLE, PEOPLE_WATERMARK } from '../fixtures/declared-shop/shop-data.ts';
import { DuckDbStore } from '../../subgraphs/kit/duckdb-store.ts';
import { reachableShopEngines, removeShopFiles, startShop } from '../fixtures/declared-shop/shop-engines.ts';
import type { MeshHarness } from '../support/mesh-harness.ts';

/**
 * `meshgate test` on a declared product: its library rules run as one SQL statement each on
 * the product's own engine, values bound, with the results the gateway path gives; a rule SQL
 * cannot say (a regular expression) still runs through the gateway.
 */
const countries = [...new Set(PEOPLE.map((person) => person[2]))].sort();
// One country left out of the allowed values: its shoppers are the violating rows.
const allowed = countries.slice(1);
const violating = PEOPLE.filter((person) => person[2] === countries[0]).length;
const RULES = `types:
  Person:
    list: { query: people }
    quality:
      - { metric: rowCount, mustBeBetween: [1, 1000] }
fields:
  Person.id: { classification: public, quality: [{ metric: duplicateValues, mustBe: 0 }] }
  Person.name:
    classification: public
    quality:
      - { metric: nullValues, mustBe: 0 }
      - { metric: invalidValues, arguments: { pattern: '^[A-Z]' }, mustBe: 0 }
  Person.country:
    classification: public
    quality:
      - { name: known countries, metric: invalidValues, arguments: { validValues: ${JSON.stringify(allowed)} }, mustBe: 0 }
      - { metric: missingValues, arguments: { missingValues: [null, '', 'N/A'] }, unit: percent, mustBeLessThan: 5 }
  Person.joined: { classification: public }
`;
/** The rules SQL can say: all but the pattern. */
const PUSHED = 5;

/** Text a rule's values may hold: bound like any value, so it matches nothing and runs nothing. */
const HOSTILE = ["' OR '1'='1", "x'); DROP TABLE people; --", '"; SELECT * FROM people --', "\\' OR 1=1 #"];
const HOSTILE_RULES = `types:
  Person:
    list: { query: people }
    quality:
      - { metric: rowCount, mustBe: ${PEOPLE.length} }
fields:
  Person.id: { classification: public }
  Person.name: { classification: public, quality: [{ metric: missingValues, arguments: { missingValues: ${JSON.stringify(HOSTILE)} }, mustBe: 0 }] }
  Person.country: { classification: public, quality: [{ metric: invalidValues, arguments: { validValues: ${JSON.stringify(HOSTILE)} }, mustBe: ${PEOPLE.length} }] }
  Person.joined: { classification: public }
`;

const work = mkdtempSync(join(tmpdir(), 'meshgate-declared-quality-'));
/** A mesh holding the shop's people product, its Person fields given `rules`. */
function meshWith(name: string, rules: string): string {
  const dir = join(work, name, 'subgraphs', 'people');
  mkdirSync(dir, { recursive: true });
  for (const file of ['declared.yaml', 'schema.graphql']) cpSync(join(FIXTURE_DIR, 'people', file), join(dir, file));
  const fixture = readFileSync(join(FIXTURE_DIR, 'people', 'product.yaml'), 'utf8')
    .split('\n')
    .filter((line) => !/^ {2}Person\.\w+:/.test(line));
  writeFileSync(join(dir, 'product.yaml'), fixture.join('\n').replace(/^fields:\n/m, rules));
  return join(work, name);
}
const mesh = meshWith('rules', RULES);
const hostileMesh = meshWith('hostile', HOSTILE_RULES);
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  removeShopFiles();
});

/** The product's store, recording each statement with its bound values. */
function recording(store: DataStore): { store: DataStore; ran: { sql: string; params: readonly StoreValue[] }[] } {
  const ran: { sql: string; params: readonly StoreValue[] }[] = [];
  return {
    ran,
    store: {
      kind: store.kind,
      log: store.log,
      query: (sql, params = []) => {
        ran.push({ sql, params });
        return store.query(sql, params);
      },
      close: async () => {},
    },
  };
}

const comparable = (results: RuleResult[]) =>
  results
    .filter((result) => result.rule !== 'quality/latency')
    .map(({ message: _message, ...rest }) => rest)
    .sort((a, b) => a.source.localeCompare(b.source));

describe.each((await reachableShopEngines()).filter((engine) => engine.name !== 'Parquet files'))('quality rules of a declared product on $name', (engine) => {
  let shop: MeshHarness;
  beforeAll(async () => {
    shop = await startShop(engine);
  }, 60_000);
  afterAll(async () => {
    await shop?.close();
  });

  it('runs one bound statement per rule SQL can say, with the findings the gateway path gives', async () => {
    const token = await shop.token();
    const options = { gatewayUrl: shop.gateway.url, token, root: mesh, product: 'shop-people', now: Date.now };
    const handle = recording(shop.products['shop-people']!.product.store);
    const pushed = await runQualityTests({ ...options, engineFor: async () => handle.store });
    const throughGateway = await runQualityTests({ ...options, engineFor: async () => undefined });

    // One statement per rule, and one for the data's age.
    expect(handle.ran).toHaveLength(PUSHED + 1);
    const rules = handle.ran.filter(({ sql }) => !/AS mg_watermark/.test(sql));
    expect(rules).toHaveLength(PUSHED);
    for (const { sql } of rules) expect(sql).toMatch(/^SELECT count\(\*\) AS mg_rows\b/);
    // Values are bound, never written into the SQL.
    const allText = handle.ran.map((statement) => statement.sql).join('\n');
    for (const value of [...allowed, 'N/A']) expect(allText).not.toContain(value);
    expect(handle.ran.flatMap((statement) => statement.params)).toEqual(expect.arrayContaining([...allowed, '', 'N/A']));

    expect(comparable(pushed.results)).toEqual(comparable(throughGateway.results));
    expect(pushed.results.filter((result) => result.rule !== 'quality/latency')).toHaveLength(PUSHED + 1);
    // Latency is still judged on what the gateway answered, as before.
    const latency = (results: RuleResult[]) => results.filter((result) => result.rule === 'quality/latency').map((result) => result.ok);
    expect(latency(pushed.results)).toEqual(latency(throughGateway.results));

    const failed = pushed.findings.filter((finding) => finding.rule === 'quality/invalid-values');
    expect(failed).toHaveLength(1);
    const viaGateway = throughGateway.findings.find((finding) => finding.rule === 'quality/invalid-values')!;
    expect(failed[0]).toMatchObject({ product: viaGateway.product, element: 'Person.country', rule: viaGateway.rule, fix: viaGateway.fix });
    expect(failed[0]!.message).toContain(`invalidValues of Person.country is ${violating} rows over ${PEOPLE.length} rows of Person in its ${shop.products['shop-people']!.product.store.kind} engine`);
    expect(pushed.ok).toBe(false);
    expect(pushed.findings.map((finding) => finding.rule).sort()).toEqual(throughGateway.findings.map((finding) => finding.rule).sort());
  });

  it("judges the SLA's freshness by the watermark read in the engine, one statement, with the gateway path's finding", async () => {
    const handle = recording(shop.products['shop-people']!.product.store);
    const token = await shop.token();
    const hour = 3_600_000;
    for (const [age, ok] of [
      [hour, true],
      [25 * hour, false],
    ] as const) {
      const options = { gatewayUrl: shop.gateway.url, token, root: mesh, product: 'shop-people', now: () => Date.parse(PEOPLE_WATERMARK) + age };
      handle.ran.length = 0;
      const pushed = await runQualityTests({ ...options, engineFor: async () => handle.store });
      const throughGateway = await runQualityTests({ ...options, engineFor: async () => undefined });
      expect(handle.ran.filter(({ sql }) => /AS mg_watermark/.test(sql)).map(({ sql }) => sql)).toEqual([expect.stringMatching(/^SELECT max\(updated_at\) AS mg_watermark FROM people$/)]);
      const latency = (report: typeof pushed) => ({ results: report.results.filter((r) => r.rule === 'quality/latency'), findings: report.findings.filter((f) => f.rule === 'quality/latency') });
      expect(latency(pushed)).toEqual(latency(throughGateway));
      expect(latency(pushed).results).toEqual([expect.objectContaining({ measured: age, ok, message: expect.stringContaining(`dataAsOf ${PEOPLE_WATERMARK}`) })]);
      expect(latency(pushed).findings).toHaveLength(ok ? 0 : 1);
    }
  });

  it('binds hostile text in the values of a rule: it matches nothing, runs nothing, and the table stays whole', async () => {
    const handle = recording(shop.products['shop-people']!.product.store);
    const report = await runQualityTests({ gatewayUrl: shop.gateway.url, token: await shop.token(), root: hostileMesh, product: 'shop-people', engineFor: async () => handle.store });
    expect(handle.ran.filter(({ sql }) => !/AS mg_watermark/.test(sql))).toHaveLength(3);
    for (const text of HOSTILE) expect(handle.ran.map((statement) => statement.sql).join('\n')).not.toContain(text);
    expect(report.results.filter((result) => result.rule !== 'quality/latency').map((result) => [result.rule, result.measured, result.ok])).toEqual([
      ['quality/row-count', PEOPLE.length, true],
      ['quality/missing-values', 0, true],
      ['quality/invalid-values', PEOPLE.length, true],
    ]);
    expect((await shop.query('{ people(first: 100) { totalCount } }')).body.data.people.totalCount).toBe(PEOPLE.length);
  });
});

describe('quality rules of a declared product that names no engine', () => {
  let shop: MeshHarness;
  beforeAll(async () => {
    shop = await startShop((await reachableShopEngines()).find((engine) => engine.name === 'DuckDB file')!);
  }, 60_000);
  afterAll(async () => {
    await shop?.close();
  });

  it('are pushed down to its own DuckDB file, store/<name>.duckdb, opened by default; without the file they run through the gateway', async () => {
    const root = meshWith('default-engine', RULES);
    const options = { gatewayUrl: shop.gateway.url, token: await shop.token(), root, product: 'shop-people', now: () => Date.parse(PEOPLE_WATERMARK) };
    const messages = async () => (await runQualityTests(options)).results.filter((r) => r.rule !== 'quality/latency' && r.rule !== 'quality/invalid-values').map((r) => r.message);

    // No file yet: nothing to open, every rule reads through the gateway.
    for (const message of await messages()) expect(message).not.toContain('in its duckdb engine');

    const file = join(root, 'subgraphs', 'people', 'store', 'shop-people.duckdb');
    mkdirSync(join(file, '..'), { recursive: true });
    const writer = await DuckDbStore.open(file, { readOnly: false });
    await createShopTables(writer);
    await writer.close();
    shop.clearQueryLogs();
    const pushed = await messages();
    expect(pushed).toHaveLength(PUSHED - 1);
    for (const message of pushed) expect(message).toContain('in its duckdb engine');
    // Only the pattern rule, which SQL cannot say alike everywhere, read rows through the gateway.
    expect(shop.statements('shop-people')).toHaveLength(1);
  });
});
