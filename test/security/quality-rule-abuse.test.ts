import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runQualityTests } from '../../gateway/quality/quality-runner.ts';
import { safeParseDescriptor } from '../../schema/product/descriptor.ts';
import { isValidProduct, readProductSource } from '../../schema/contracts/mesh.ts';
import { lintQualityRules } from '../../schema/contracts/quality-plan.ts';
import { ConfigError, MeshError } from '../../schema/protocol/error-codes.ts';

/**
 * Hostile or broken quality rules and gateways, each refused with its exact code. A rule
 * that cannot be judged is refused before any request: the gateway these tests name is a
 * closed port, so a request sent anyway would end in GATEWAY_UNREACHABLE instead.
 */
const FIXTURE = new URL('../fixtures/quality/violating/subgraphs/sales/', import.meta.url).pathname;
const BASE = parseYaml(readFileSync(join(FIXTURE, 'product.yaml'), 'utf8')) as Record<string, any>;

let work: string;
let closedUrl: string;
let notGraphql: Server;
let notGraphqlUrl: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'meshgate-quality-abuse-'));
  const probe = createHttpServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedUrl = `http://127.0.0.1:${(probe.address() as { port: number }).port}/graphql`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  // At /: a web page. At /empty: a GraphQL-looking answer without the rows asked for.
  // At /stuck: a connection that always has a next page and never a row.
  notGraphql = createHttpServer((req, res) =>
    req.url === '/empty'
      ? res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{"rows":{"edges":"none"}}}')
      : req.url === '/stuck'
        ? res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{"rows":{"pageInfo":{"hasNextPage":true,"endCursor":"again"},"edges":[]}}}')
        : res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not here</h1>'),
  );
  await new Promise<void>((resolve) => notGraphql.listen(0, '127.0.0.1', resolve));
  notGraphqlUrl = `http://127.0.0.1:${(notGraphql.address() as { port: number }).port}/`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => notGraphql.close(() => resolve()));
  rmSync(work, { recursive: true, force: true });
});

/** A mesh of one product: the fixture's SDL and `descriptor`. */
function meshWith(name: string, descriptor: Record<string, unknown>): string {
  const root = join(work, name);
  mkdirSync(join(root, 'subgraphs/sales'), { recursive: true });
  copyFileSync(join(FIXTURE, 'schema.graphql'), join(root, 'subgraphs/sales/schema.graphql'));
  writeFileSync(join(root, 'subgraphs/sales/product.yaml'), JSON.stringify(descriptor));
  return root;
}

function withStatusRules(quality: unknown): Record<string, unknown> {
  return { ...BASE, fields: { ...BASE.fields, 'Order.status': { classification: 'internal', quality } } };
}

async function refusal(promise: Promise<unknown>): Promise<ConfigError | MeshError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof ConfigError) && !(error instanceof MeshError)) throw new Error(`expected a coded refusal, got ${String(error)}`);
  return error;
}

describe('malformed rules are descriptor problems, named by path', () => {
  const cases: [string, unknown, string][] = [
    ['no operator', [{ metric: 'nullValues' }], 'fields.Order.status.quality.0: needs exactly one operator'],
    [
      'two operators',
      [{ metric: 'nullValues', mustBe: 0, mustBeLessThan: 1 }],
      'fields.Order.status.quality.0: needs exactly one operator (mustBe, mustNotBe, mustBeGreaterThan, mustBeGreaterOrEqualTo, mustBeLessThan, mustBeLessOrEqualTo, mustBeBetween, mustNotBeBetween); got mustBe, mustBeLessThan',
    ],
    ['a type metric on a field', [{ metric: 'rowCount', mustBe: 1 }], 'fields.Order.status.quality.0.metric: Invalid option'],
    ['an operator on strings', [{ metric: 'nullValues', mustBe: 'zero' }], 'fields.Order.status.quality.0.mustBe: Invalid input: expected number'],
    ['a range upside down', [{ metric: 'nullValues', mustBeBetween: [5, 1] }], 'fields.Order.status.quality.0.mustBeBetween: must be [low, high] with low < high'],
    [
      'a pattern that is no regular expression',
      [{ metric: 'invalidValues', arguments: { pattern: '([' }, mustBe: 0 }],
      'fields.Order.status.quality.0.arguments.pattern: must be a valid regular expression',
    ],
    ['invalidValues with nothing to judge by', [{ metric: 'invalidValues', mustBe: 0 }], 'fields.Order.status.quality.0.arguments: invalidValues needs'],
    ['an unknown key in a rule', [{ metric: 'nullValues', mustBe: 0, sql: 'DROP TABLE orders' }], 'fields.Order.status.quality.0.sql: is not a known key'],
    ['a custom rule for another engine', [{ type: 'custom', engine: 'soda', implementation: 'checks: []' }], 'fields.Order.status.quality.0.engine: Invalid input: expected "graphql"'],
    [
      'a custom rule with its operator outside implementation',
      [{ type: 'custom', engine: 'graphql', mustBe: 3, implementation: { query: '{ a }', measure: 'a' } }],
      'fields.Order.status.quality.0.mustBe: is not a known key',
    ],
    [
      'a custom rule measuring a path that is no path',
      [{ type: 'custom', engine: 'graphql', implementation: { query: '{ a }', measure: 'a..b', mustBe: 1 } }],
      'fields.Order.status.quality.0.implementation.measure: must be a dotted path',
    ],
    ['rules as a map instead of a list', { metric: 'nullValues', mustBe: 0 }, 'fields.Order.status.quality: Invalid input: expected array'],
  ];
  for (const [name, quality, problem] of cases) {
    it(`${name}: DESCRIPTOR_INVALID`, async () => {
      const text = JSON.stringify(withStatusRules(quality));
      const parsed = safeParseDescriptor(text);
      expect(parsed.ok).toBe(false);
      const error = await refusal(runQualityTests({ gatewayUrl: closedUrl, root: meshWith(name.replace(/\W+/g, '-'), withStatusRules(quality)) }));
      expect(error.code).toBe('DESCRIPTOR_INVALID');
      expect(error.message).toContain(problem);
    });
  }

  it('a field rule on a type without a list query: DESCRIPTOR_INVALID at the field', () => {
    const parsed = safeParseDescriptor(JSON.stringify({ ...BASE, types: {} }));
    expect(parsed.ok ? [] : parsed.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'fields.Order.id.quality: measures rows of Order: declare types.Order.list (the Query field that lists them)',
      'fields.Order.status.quality: measures rows of Order: declare types.Order.list (the Query field that lists them)',
    ]);
  });
});

describe('rules the product cannot answer are refused before anything is sent', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    [
      'a rule on a field the product does not publish',
      { ...BASE, fields: { ...BASE.fields, 'Order.marginUsd': { classification: 'internal', quality: [{ metric: 'nullValues', mustBe: 0 }] } } },
      'fields.Order.marginUsd.quality: Order.marginUsd is not a published field of sales',
    ],
    [
      'a list query that is no Query field',
      { ...BASE, types: { Order: { ...BASE.types.Order, list: { query: 'ordersFromStaging' } } } },
      'types.Order.list.query: Query.ordersFromStaging is not a published field of sales',
    ],
    [
      'a list argument the query does not take',
      { ...BASE, types: { Order: { ...BASE.types.Order, list: { query: 'orders', arguments: { where: '1=1' } } } } },
      'types.Order.list.arguments.where: Query.orders has no argument where',
    ],
    [
      'rules on a type the product does not have',
      { ...BASE, types: { ...BASE.types, Invoice: { quality: [{ type: 'text', description: 'Invoices balance.' }] } } },
      'types.Invoice: sales has no type Invoice',
    ],
  ];
  for (const [name, descriptor, problem] of cases) {
    it(`${name}: DESCRIPTOR_INVALID, and a lint finding of meshgate check`, async () => {
      const root = meshWith(name.replace(/\W+/g, '-'), descriptor);
      const error = await refusal(runQualityTests({ gatewayUrl: closedUrl, root }));
      expect(error.code).toBe('DESCRIPTOR_INVALID');
      expect(error.message).toContain(problem);
      const product = readProductSource(join(root, 'subgraphs/sales'), 'sales');
      if (!isValidProduct(product)) throw new Error('the descriptor itself should be valid');
      expect(lintQualityRules(product)).toEqual([expect.objectContaining({ rule: 'lint/quality-rule', code: 'GOVERNANCE_LINT_FAILED', element: problem.split(':')[0], message: problem })]);
    });
  }
});

describe('a gateway that cannot be tested through', () => {
  it('nothing listening: GATEWAY_UNREACHABLE, in one line', async () => {
    const error = await refusal(runQualityTests({ gatewayUrl: closedUrl, root: meshWith('unreachable', BASE) }));
    expect(error.code).toBe('GATEWAY_UNREACHABLE');
    expect(error.message).toBe(`the gateway at ${closedUrl} did not answer (ECONNREFUSED); start it or pass --gateway <url>`);
  });

  it('an HTTP server that is no GraphQL endpoint: GATEWAY_UNREACHABLE naming the status', async () => {
    const error = await refusal(runQualityTests({ gatewayUrl: notGraphqlUrl, root: meshWith('not-graphql', BASE) }));
    expect(error.code).toBe('GATEWAY_UNREACHABLE');
    expect(error.message).toBe(`${notGraphqlUrl} answered HTTP 404 without a GraphQL response; is it the gateway's GraphQL URL?`);
  });

  it('an answer that is not the shape asked for: PRODUCT_ERROR, not a crash or a finding', async () => {
    const error = await refusal(runQualityTests({ gatewayUrl: `${notGraphqlUrl}empty`, root: meshWith('wrong-shape', BASE) }));
    expect(error.code).toBe('PRODUCT_ERROR');
    expect(error.message).toBe('the answer for sales: the rows of Order (Query.orders) is not the connection the query asked for');
  });

  it('a connection that always has a next page and never a row: PRODUCT_ERROR after one page, not a loop without end', async () => {
    const error = await refusal(runQualityTests({ gatewayUrl: `${notGraphqlUrl}stuck`, root: meshWith('stuck', BASE) }));
    expect(error.code).toBe('PRODUCT_ERROR');
    expect(error.message).toBe('the answer for sales: the rows of Order (Query.orders) has a next page but no rows on this one');
  });

  it('a gateway URL with credentials in it: CONFIG_INVALID, the secret named nowhere (the message goes to logs and JUnit files)', async () => {
    const withSecret = closedUrl.replace('http://', 'http://svc:s3cret-pw@');
    const error = await refusal(runQualityTests({ gatewayUrl: withSecret, root: meshWith('credentials', BASE) }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).not.toContain('s3cret-pw');
    expect(error.message).toContain('MESHGATE_TEST_TOKEN');
  });

  it('a gateway URL that is not http(s): CONFIG_INVALID naming it', async () => {
    const error = await refusal(runQualityTests({ gatewayUrl: 'file:///etc/passwd', root: meshWith('not-http', BASE) }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('"file:///etc/passwd"');
  });

  it('an unknown product: CONFIG_INVALID naming the products there are', async () => {
    const error = await refusal(runQualityTests({ gatewayUrl: closedUrl, root: meshWith('unknown', BASE), product: 'no-such-product' }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe('unknown product "no-such-product"; expected one of sales');
  });
});
