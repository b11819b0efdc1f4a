import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { CheckReport, CheckedProduct } from '../../schema/contracts/check.ts';
import { durationToMs, formatProblem } from '../../schema/product/descriptor.ts';
import { finding, type Finding, type RuleId } from '../../schema/contracts/finding.ts';
import { isValidProduct, loadProductSources, meshPaths, type ValidProduct } from '../../schema/contracts/mesh.ts';
import { ConfigError, MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import {
  describeExpectation,
  isCustomRule,
  isLibraryRule,
  inRuleUnit,
  measureFieldMetric,
  meetsOperator,
  type CustomRule,
  type LibraryRule,
  type QualityMetric,
  type QualityRule,
} from '../../schema/product/quality-rules.ts';
import { planQualityRules, type ListPlan } from '../../schema/contracts/quality-plan.ts';
import { DECLARATION_FILE, loadDeclaration } from '../../schema/product/declaration.ts';
import { buildModel, type DeclaredModel } from '../../subgraphs/kit/declared/declared-model.ts';
import { openDeclaredEngine } from '../../subgraphs/kit/declared/declared-product.ts';
import { readDeclaredWatermark } from '../../subgraphs/kit/declared/declared-freshness.ts';
import { productStorePath } from '../../subgraphs/kit/create-data-product.ts';
import { DuckDbStore } from '../../subgraphs/kit/duckdb-store.ts';
import { countViolations, dialectOf, qualityStatement } from '../../subgraphs/kit/declared/declared-quality.ts';
import type { DataStore } from '../../subgraphs/kit/store.ts';
import { createGatewayClient, type GatewayAnswer, type GatewayClient } from './gateway-client.ts';

/** Options of {@link runQualityTests}. */
export interface QualityTestOptions {
  /** The gateway's GraphQL URL. */
  gatewayUrl: string;
  /** A bearer token the rules are read with; anonymous without one. */
  token?: string;
  /** Test this product only (name or folder). @default every product of the mesh */
  product?: string;
  /** The mesh whose descriptors hold the rules. @default the repository */
  root?: string;
  /** The clock latency is measured against. @default Date.now */
  now?: () => number;
  /**
   * The engine a declared product's rules are pushed down to, by product: one SQL statement
   * per rule that SQL can say. Undefined runs every rule through the gateway.
   * @default the engine its declared.yaml names, when it names its own (a file or a URL)
   */
  engineFor?: (product: ValidProduct, dir: string) => Promise<DataStore | undefined>;
}

/** A declared product's engine, read with the model its declaration and schema make. */
interface PushdownEngine {
  model: DeclaredModel;
  store: DataStore;
}

/**
 * The engine `declared.yaml` names (a DuckDB file, files or a database URL), or, when it names
 * none, the product's own DuckDB file (`store/<name>.duckdb`), read-only. One that cannot be
 * opened here (a URL not set, no file yet, a file held by a writer) leaves the rules to the
 * gateway: they still run, as a consumer reads them.
 */
async function declaredEngine(product: ValidProduct, dir: string): Promise<DataStore | undefined> {
  if (!existsSync(join(dir, DECLARATION_FILE))) return undefined;
  const declaration = loadDeclaration(dir)!;
  const engine = declaration.engine;
  if (engine.kind === 'duckdb' && engine.file === undefined && engine.files === undefined) {
    const path = productStorePath({ dir }, product.name);
    return existsSync(path) ? DuckDbStore.open(path).catch(() => undefined) : undefined;
  }
  return openDeclaredEngine(declaration, dir).catch(() => undefined);
}

async function pushdownEngine(product: ValidProduct, dir: string, engineFor: NonNullable<QualityTestOptions['engineFor']>): Promise<PushdownEngine | undefined> {
  const declaration = existsSync(join(dir, DECLARATION_FILE)) ? loadDeclaration(dir) : undefined;
  if (!declaration) return undefined;
  const store = await engineFor(product, dir);
  return store ? { model: buildModel(declaration, readFileSync(join(dir, 'schema.graphql'), 'utf8')), store } : undefined;
}

/** One rule as it was run: what was measured and against what. */
export interface RuleResult {
  product: string;
  /** `Type` or `Type.field` the rule is declared on; `sla.freshness` for latency. */
  element: string;
  /** Where the rule is written in the descriptor, e.g. `fields.Order.status.quality[0]`. */
  source: string;
  rule: RuleId;
  /** The rule's name or description, else its metric. */
  title: string;
  /** The measured value, or null when nothing measurable came back. */
  measured: number | null;
  expectation: string;
  ok: boolean;
  /** What was measured, in words: the finding's message when the rule failed. */
  message: string;
}

/** `meshgate check`'s report, with every rule that ran (JUnit lists passes too). */
export interface QualityReport extends CheckReport {
  results: RuleResult[];
}

/** Products cap a page at 100 rows (`PAGE_SIZE_EXCEEDED` above): larger samples take several pages. */
const PAGE_SIZE = 100;
const DEFAULT_SAMPLE = 100;

const RULE_OF_METRIC: Record<QualityMetric, RuleId> = {
  nullValues: 'quality/null-values',
  missingValues: 'quality/missing-values',
  invalidValues: 'quality/invalid-values',
  duplicateValues: 'quality/duplicate-values',
  rowCount: 'quality/row-count',
};

/** Rows of a type as a consumer received them, and how many rows there are in all. */
interface ReadRows {
  rows: Record<string, unknown>[];
  rowCount: number;
  /** What `rowCount` counts, for messages: `Query.orders totalCount`. */
  countedBy: string;
}

function ruleTitle(rule: QualityRule, fallback: string): string {
  return rule.name ?? rule.description ?? fallback;
}

/** The product's rule plan; a rule its interface cannot answer refuses the run, by descriptor path. */
function planOrRefuse(product: ValidProduct, file: string): Map<string, ListPlan> {
  const { lists, problems } = planQualityRules(product);
  if (problems.length > 0)
    throw new ConfigError(
      MeshErrorCode.DESCRIPTOR_INVALID,
      file,
      problems.map((problem) => `${problem.path}: ${problem.message}`),
    );
  return lists;
}

function listDocument(plan: ListPlan): string {
  const declared = [...plan.argumentTypes].map(([name, type]) => `$${name}: ${type}`);
  const passed = [...plan.argumentTypes.keys()].map((name) => `${name}: $${name}`);
  const node = ['__typename', ...plan.selections].join(' ');
  if (!plan.connection) return `query MeshgateTestList${declared.length ? `(${declared.join(', ')})` : ''} { rows: ${plan.list.query}${passed.length ? `(${passed.join(', ')})` : ''} { ${node} } }`;
  const args = [...passed, 'first: $first', 'after: $after'];
  return `query MeshgateTestPage(${[...declared, '$first: Int', '$after: String'].join(', ')}) { rows: ${plan.list.query}(${args.join(', ')}) { ${plan.hasTotalCount ? 'totalCount ' : ''}pageInfo { hasNextPage endCursor } edges { node { ${node} } } } }`;
}

/** Reads the first `sample` rows, page by page as a consumer pages, and the row count. */
async function readRows(product: string, plan: ListPlan, send: (query: string, variables: Record<string, unknown>, purpose: string) => Promise<GatewayAnswer>): Promise<ReadRows> {
  const sample = plan.list.sample ?? DEFAULT_SAMPLE;
  const document = listDocument(plan);
  const purpose = `the rows of ${plan.typeName} (Query.${plan.list.query})`;
  const args = plan.list.arguments ?? {};
  // The answer is the gateway's, not ours: a shape other than the one asked for is refused, not trusted.
  const malformed = () => new MeshError(MeshErrorCode.PRODUCT_ERROR, `the answer for ${product}: ${purpose} is not the ${plan.connection ? 'connection' : 'list'} the query asked for`);
  if (!plan.connection) {
    const rows = (await send(document, args, purpose)).data.rows;
    if (!Array.isArray(rows)) throw malformed();
    return { rows: (rows as Record<string, unknown>[]).slice(0, sample), rowCount: rows.length, countedBy: `Query.${plan.list.query} rows` };
  }
  const rows: Record<string, unknown>[] = [];
  let after: string | null = null;
  let totalCount: number | undefined;
  for (;;) {
    const page = (await send(document, { ...args, first: Math.min(PAGE_SIZE, sample - rows.length), after }, purpose)).data.rows as {
      totalCount?: number;
      pageInfo?: { hasNextPage: boolean; endCursor: string | null };
      edges?: { node: Record<string, unknown> }[];
    } | null;
    if (!page || !Array.isArray(page.edges) || !page.pageInfo) throw malformed();
    totalCount ??= page.totalCount;
    rows.push(...page.edges.map((edge) => edge.node));
    if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor || rows.length >= sample) break;
    // Each page must bring rows, or the loop would ask for the next one without end.
    if (page.edges.length === 0) throw new MeshError(MeshErrorCode.PRODUCT_ERROR, `the answer for ${product}: ${purpose} has a next page but no rows on this one`);
    after = page.pageInfo.endCursor;
  }
  return totalCount !== undefined
    ? { rows, rowCount: totalCount, countedBy: `Query.${plan.list.query} totalCount` }
    : { rows, rowCount: rows.length, countedBy: `the first ${sample} rows of Query.${plan.list.query}` };
}

type RecordResult = (measuredResult: Omit<RuleResult, 'message'>, message: string) => void;

/**
 * Runs a type's library rules that SQL can say on the product's own engine, one statement
 * each, with the rule ids, elements and expectations of the gateway path; returns their
 * descriptor paths. Only over a list read without arguments: the rows a rule promises about
 * are then the whole relation, not a filtered part of it.
 */
async function pushDown(product: ValidProduct, plan: ListPlan, engine: PushdownEngine, record: RecordResult): Promise<Set<string>> {
  const pushed = new Set<string>();
  const type = engine.model.types.get(plan.typeName);
  if (!type?.relation || Object.keys(plan.list.arguments ?? {}).length > 0) return pushed;
  const dialect = dialectOf(engine.store);
  const where = `in its ${engine.store.kind} engine`;
  const rules: { element: string; source: string; field?: string; rule: QualityRule }[] = [
    ...(product.descriptor.types[plan.typeName]?.quality ?? []).map((rule, index) => ({ element: plan.typeName, source: `types.${plan.typeName}.quality[${index}]`, rule })),
    ...Object.entries(product.descriptor.fields)
      .filter(([coordinate]) => coordinate.startsWith(`${plan.typeName}.`))
      .flatMap(([coordinate, policy]) =>
        (policy.quality ?? []).map((rule, index) => ({ element: coordinate, source: `fields.${coordinate}.quality[${index}]`, field: coordinate.slice(plan.typeName.length + 1), rule })),
      ),
  ];
  for (const { element, source, field, rule } of rules) {
    if (!isLibraryRule(rule)) continue;
    const statement = qualityStatement(type, dialect, rule, field);
    if (!statement) continue;
    const counted = await countViolations(engine.store, statement).catch((error: Error) => {
      throw new MeshError(MeshErrorCode.PRODUCT_ERROR, `${product.name}: the rule at ${source} could not be counted ${where}: ${error.message.split('\n')[0]}`);
    });
    const base = { product: product.name, element, source, rule: RULE_OF_METRIC[rule.metric], title: ruleTitle(rule, rule.metric), expectation: describeExpectation(rule) };
    if (rule.metric === 'rowCount') {
      record(
        { ...base, measured: counted.rows, ok: meetsOperator(rule, counted.rows) },
        `rowCount of ${plan.typeName} is ${counted.rows} (count of its rows ${where}); it ${describeExpectation(rule)}`,
      );
    } else {
      const measured = inRuleUnit(rule, counted.violating, counted.rows);
      record(
        { ...base, measured, ok: meetsOperator(rule, measured) },
        `${rule.metric} of ${element} is ${measured}${rule.unit === 'percent' ? '%' : ' rows'} over ${counted.rows} rows of ${plan.typeName} ${where}; it ${describeExpectation(rule)}`,
      );
    }
    pushed.add(source);
  }
  return pushed;
}

/** The number a custom rule's `measure` path points at: a number, a list's length, a boolean as 1/0. */
function measureAt(data: unknown, path: string): number | null {
  let value: unknown = data;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
    value = (value as Record<string, unknown>)[key];
  }
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return Array.isArray(value) ? value.length : null;
}

function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs >= 86_400_000) return `${(ms / 86_400_000).toFixed(1)}d`;
  if (abs >= 3_600_000) return `${(ms / 3_600_000).toFixed(1)}h`;
  if (abs >= 60_000) return `${Math.round(ms / 60_000)}m`;
  return `${Math.round(ms / 1000)}s`;
}

/**
 * Runs one product's rules through the gateway and returns every result; a failed rule is
 * also a finding, in `meshgate check`'s shape, so both print and parse alike.
 */
async function testProduct(product: ValidProduct, file: string, client: GatewayClient, now: () => number, engine?: PushdownEngine): Promise<{ results: RuleResult[]; findings: Finding[] }> {
  const { descriptor } = product;
  const plans = planOrRefuse(product, file);
  const results: RuleResult[] = [];
  const findings: Finding[] = [];
  let latestDataAsOf: string | undefined;
  const send: GatewayClient = async (query, variables, purpose) => {
    const answer = await client(query, variables, `${product.name}: ${purpose}`);
    for (const signal of answer.dataProducts) {
      if (signal.name === product.name && signal.dataAsOf && (!latestDataAsOf || Date.parse(signal.dataAsOf) > Date.parse(latestDataAsOf))) latestDataAsOf = signal.dataAsOf;
    }
    return answer;
  };
  const record: RecordResult = (measuredResult: Omit<RuleResult, 'message'>, message: string) => {
    const result = { ...measuredResult, message };
    results.push(result);
    if (result.ok) return;
    findings.push(finding(product.name, result.element, result.rule, message, `Correct the data at its source, or the rule at ${result.source} in ${file} if the promise itself is wrong.`));
  };

  for (const plan of plans.values()) {
    const pushed = engine ? await pushDown(product, plan, engine, record) : new Set<string>();
    const fieldRules = Object.entries(descriptor.fields).filter(([coordinate]) => coordinate.startsWith(`${plan.typeName}.`));
    const needed =
      descriptor.types[plan.typeName]?.quality?.some((rule, index) => isLibraryRule(rule) && !pushed.has(`types.${plan.typeName}.quality[${index}]`)) ||
      fieldRules.some(([coordinate, policy]) => (policy.quality ?? []).some((rule, index) => isLibraryRule(rule) && !pushed.has(`fields.${coordinate}.quality[${index}]`)));
    if (!needed) continue;
    const read = await readRows(product.name, plan, send);
    for (const [index, rule] of (descriptor.types[plan.typeName]?.quality ?? []).entries()) {
      if (!isLibraryRule(rule) || pushed.has(`types.${plan.typeName}.quality[${index}]`)) continue;
      const measured = read.rowCount;
      const ok = meetsOperator(rule, measured);
      record(
        {
          product: product.name,
          element: plan.typeName,
          source: `types.${plan.typeName}.quality[${index}]`,
          rule: RULE_OF_METRIC[rule.metric],
          title: ruleTitle(rule, rule.metric),
          measured,
          expectation: describeExpectation(rule),
          ok,
        },
        `rowCount of ${plan.typeName} is ${measured} (${read.countedBy}); it ${describeExpectation(rule)}`,
      );
    }
    for (const [coordinate, policy] of fieldRules) {
      const fieldName = coordinate.slice(plan.typeName.length + 1);
      const values = read.rows.map((row) => row[fieldName]);
      for (const [index, rule] of (policy.quality ?? []).entries()) {
        if (!isLibraryRule(rule) || pushed.has(`fields.${coordinate}.quality[${index}]`)) continue;
        const measured = measureFieldMetric(rule as LibraryRule, values);
        const unit = rule.unit === 'percent' ? '%' : ' rows';
        record(
          {
            product: product.name,
            element: coordinate,
            source: `fields.${coordinate}.quality[${index}]`,
            rule: RULE_OF_METRIC[rule.metric],
            title: ruleTitle(rule, rule.metric),
            measured,
            expectation: describeExpectation(rule),
            ok: meetsOperator(rule, measured),
          },
          `${rule.metric} of ${coordinate} is ${measured}${unit} over ${values.length} rows read through Query.${plan.list.query}; it ${describeExpectation(rule)}`,
        );
      }
    }
  }

  const customRules: { element: string; source: string; rule: CustomRule }[] = [
    ...Object.entries(descriptor.types).flatMap(([typeName, contract]) =>
      (contract.quality ?? []).flatMap((rule, index) => (isCustomRule(rule) ? [{ element: typeName, source: `types.${typeName}.quality[${index}]`, rule }] : [])),
    ),
    ...Object.entries(descriptor.fields).flatMap(([coordinate, policy]) =>
      (policy.quality ?? []).flatMap((rule, index) => (isCustomRule(rule) ? [{ element: coordinate, source: `fields.${coordinate}.quality[${index}]`, rule }] : [])),
    ),
  ];
  for (const { element, source, rule } of customRules) {
    const { query, variables, measure } = rule.implementation;
    const answer = await send(query, variables ?? {}, `the custom rule at ${source}`);
    const measured = measureAt(answer.data, measure);
    const ok = measured !== null && meetsOperator(rule.implementation, measured);
    record(
      { product: product.name, element, source, rule: 'quality/custom', title: ruleTitle(rule, `custom ${measure}`), measured, expectation: describeExpectation(rule.implementation), ok },
      measured === null
        ? `${measure} in the answer to the custom rule's query is not a number, list or boolean`
        : `${ruleTitle(rule, 'custom rule')}: ${measure} is ${measured}; it ${describeExpectation(rule.implementation)}`,
    );
  }

  // Latency is the SLA every product promises. With the product's engine at hand its watermark
  // is read there, by the statement the product reports its dataAsOf from (one reading, either
  // path); else, or when the engine holds none, by the watermark its answers carried, and when
  // every rule was pushed down, one row is read through the gateway for it.
  const engineDataAsOf = engine ? await readDeclaredWatermark(engine.model, engine.store) : null;
  const firstPlan = plans.values().next().value;
  if (engine && engineDataAsOf === null && results.length > 0 && latestDataAsOf === undefined && firstPlan) {
    await readRows(product.name, { ...firstPlan, list: { ...firstPlan.list, sample: 1 } }, send);
  }
  latestDataAsOf = engineDataAsOf ?? latestDataAsOf;
  if (latestDataAsOf) {
    const age = now() - Date.parse(latestDataAsOf);
    const limit = durationToMs(descriptor.sla.freshness);
    record(
      {
        product: product.name,
        element: 'sla.freshness',
        source: 'sla.freshness',
        rule: 'quality/latency',
        title: `latency within ${descriptor.sla.freshness}`,
        measured: age,
        expectation: `must be at most ${limit} ms`,
        ok: age <= limit,
      },
      `${product.name} data is ${formatDuration(age)} old (dataAsOf ${latestDataAsOf}); the SLA latency is ${descriptor.sla.freshness}`,
    );
  }
  return { results, findings };
}

/**
 * `meshgate test`: runs every product's quality rules through the gateway, as a consumer
 * would, and reports like `meshgate check`. Descriptors are validated first, all of them,
 * so a malformed rule is reported by its path before any request is sent.
 */
export async function runQualityTests(options: QualityTestOptions): Promise<QualityReport> {
  const started = performance.now();
  const paths = meshPaths(options.root);
  const sources = loadProductSources(paths);
  const selected = options.product === undefined ? sources : sources.filter((source) => source.name === options.product || source.folder === options.product);
  if (selected.length === 0) {
    throw new MeshError(MeshErrorCode.CONFIG_INVALID, `unknown product "${options.product}"; expected one of ${sources.map((source) => source.name).join(', ')}`);
  }
  const fileOf = (folder: string) => relative(process.cwd(), `${paths.subgraphs}/${folder}/product.yaml`) || 'product.yaml';
  const valid: ValidProduct[] = [];
  for (const source of selected) {
    if (isValidProduct(source)) valid.push(source);
    else throw new ConfigError(MeshErrorCode.DESCRIPTOR_INVALID, fileOf(source.folder), source.sdlError ? [`schema.graphql: ${source.sdlError}`] : source.descriptorProblems.map(formatProblem));
  }
  // Every descriptor's rules must make sense before any of them runs.
  for (const product of valid) planOrRefuse(product, fileOf(product.folder));

  const client = createGatewayClient({ url: options.gatewayUrl, token: options.token });
  const now = options.now ?? Date.now;
  const products: CheckedProduct[] = [];
  const results: RuleResult[] = [];
  const findings: Finding[] = [];
  const engineFor = options.engineFor ?? declaredEngine;
  for (const product of valid) {
    const engine = await pushdownEngine(product, join(paths.subgraphs, product.folder), engineFor);
    const outcome = await testProduct(product, fileOf(product.folder), client, now, engine).finally(() => (options.engineFor ? undefined : engine?.store.close()));
    results.push(...outcome.results);
    findings.push(...outcome.findings);
    products.push({ name: product.name, version: product.descriptor.version, status: product.descriptor.status, ok: outcome.findings.length === 0 });
  }
  return { ok: findings.length === 0, products, findings, results, durationMs: Math.round(performance.now() - started) };
}
