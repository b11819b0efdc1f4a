import { composeServices } from '@apollo/composition';
import { operationFromDocument, Supergraph } from '@apollo/federation-internals';
import { QueryPlanner } from '@apollo/query-planner';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { refusalOf } from '../../../gateway/execution/plan-executor.ts';
import { FIXTURE_SUBGRAPHS } from '../../fixtures/executor/subgraphs.ts';

/**
 * Plans our executor does not run are refused whole, with PLAN_NODE_UNSUPPORTED, before any
 * product is asked. Apollo Gateway's planner makes them only for operations the gateway does not
 * serve over HTTP (subscriptions); the plans here come from Apollo's own planner with the
 * gateway's settings (incremental delivery on, as our executor asks for it).
 */
const composed = composeServices(FIXTURE_SUBGRAPHS.map((s) => ({ name: s.name, url: `http://${s.name}.invalid/graphql`, typeDefs: parse(s.sdl) })));
const supergraph = Supergraph.build(composed.supergraphSdl!);
const planner = new QueryPlanner(supergraph, { incrementalDelivery: { enableDefer: true } });
const plan = (query: string) => planner.buildQueryPlan(operationFromDocument(supergraph.apiSchema(), parse(query)));

describe('a query plan the executor does not run', () => {
  it('a plan with @defer is run (test/gateway/execution/defer.test.ts): its blocks hold nothing refused', () => {
    const deferred = plan('{ person(id: "p1") { id ... @defer { favouriteBook { title summary } } } }');
    expect(JSON.stringify(deferred)).toContain('"Defer"');
    expect(refusalOf(deferred.node)).toBeUndefined();
  });

  it('a subscription plan is refused with PLAN_NODE_UNSUPPORTED', () => {
    const withTicks = composeServices([
      ...FIXTURE_SUBGRAPHS.filter((s) => s.name === 'people').map((s) => ({ name: s.name, url: 'http://people.invalid/graphql', typeDefs: parse(s.sdl) })),
      {
        name: 'ticker',
        url: 'http://ticker.invalid/graphql',
        typeDefs: parse('extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"]) type Query { now: Int } type Subscription { ticks: Int }'),
      },
    ]);
    const tickerGraph = Supergraph.build(withTicks.supergraphSdl!);
    const subscription = new QueryPlanner(tickerGraph).buildQueryPlan(operationFromDocument(tickerGraph.apiSchema(), parse('subscription { ticks }')));
    expect(subscription.node?.kind).toBe('Subscription');
    expect(refusalOf(subscription.node)?.extensions.code).toBe('PLAN_NODE_UNSUPPORTED');
  });

  it('a plan without @defer is run: nothing is refused', () => {
    const plain = plan('{ person(id: "p1") { id favouriteBook { title summary shippingClass } } media { id rating } }');
    expect(refusalOf(plain.node)).toBeUndefined();
  });
});
