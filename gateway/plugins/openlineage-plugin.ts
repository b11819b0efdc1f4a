import type { ApolloServerPlugin } from '@apollo/server';
import { randomUUID } from 'node:crypto';
import { productDataset, readTagsFacet, runEvent, type InputDataset, type LineageConsumer, type RunEvent } from '../../schema/exports/openlineage.ts';
import type { AgreementAccess } from '../access/agreement-access.ts';
import type { GatewayContext } from '../gateway-context.ts';
import { clientOf, operationOf, type GatewayMetrics } from '../observability/metrics.ts';
import type { LineageEmitter } from '../observability/openlineage-emitter.ts';
import { operationFieldsUsed } from '../operation/operation-fields.ts';
import type { SupergraphLineage } from '../../schema/supergraph/supergraph-lineage.ts';
import type { OnSupergraph } from '../supergraph/supergraph-source.ts';
import type { DataProductSignal } from '../observability/data-product-signals.ts';

/** What one executed operation leaves for its event; the event itself is built at flush time. */
export interface CapturedOperation {
  model: SupergraphLineage;
  runId: string;
  eventTime: string;
  consumer: LineageConsumer;
  /** `Type.field`s the operation read, after access pruned the document. */
  fields: readonly string[];
  /** The products that answered, with their version and watermark, as `extensions.dataProducts` told the client. */
  answeredBy: readonly DataProductSignal[];
  failed: boolean;
  errorMessage: string | undefined;
}

/**
 * OpenLineage run events (`lineage.url`): for a sampled share of executed operations,
 * captures who ran what (client, version, operation), the fields read and the products
 * that answered, and hands them to the emitter, which builds and ships the event later.
 * Nothing here waits on the collector. An operation that never resolved (refused before
 * validation ended) ran nothing and gets no event.
 */
export function openLineagePlugin(
  emitter: LineageEmitter<CapturedOperation>,
  options: { sampleRate: number; metrics: GatewayMetrics; onSupergraph: OnSupergraph; agreements?: AgreementAccess | undefined },
): ApolloServerPlugin<GatewayContext> {
  const { labels } = options.metrics;
  let model: SupergraphLineage | undefined;
  options.onSupergraph((supergraph) => (model = supergraph.lineage));
  return {
    async requestDidStart({ request }) {
      if (!model || Math.random() >= options.sampleRate) return;
      const seen = model;
      const { client, version } = clientOf(request.http?.headers ?? new Map<string, string>());
      let fields: readonly string[] | undefined;
      return {
        async didResolveOperation({ document, schema, operationName }) {
          // Runs after the access plugin: `document` is what access left, the fields actually fetched.
          fields = operationFieldsUsed(schema, document, operationName).map((use) => use.coordinate);
        },
        async willSendResponse({ response, contextValue, operationName }) {
          if (!fields) return;
          const result = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const failed = Boolean(result && result.data == null && result.errors?.length);
          const first = result?.errors?.[0];
          const { application } = contextValue.principal;
          const clientName = labels.value('client', application ?? client);
          emitter.enqueue({
            model: seen,
            runId: randomUUID(),
            eventTime: new Date().toISOString(),
            // The names are the caller's to choose: bounded as on /metrics, so no caller can mint jobs without end.
            // The consumer is the verified application where the token names one (the identity access agreements hold it to), else the client header.
            consumer: {
              clientName,
              clientVersion: labels.value('client_version', version),
              operationName: labels.value('operation', operationOf(operationName)),
              // Past the budget the name folds to `other`, which names no verified application: the tag is left out then.
              verifiedApplication: application !== undefined && clientName === application ? application : undefined,
              agreedConsumer: application === undefined ? undefined : options.agreements?.consumerOf(application),
            },
            fields,
            // Written by the signals plugin, which runs earlier on this hook.
            answeredBy:
              (result?.extensions?.dataProducts as DataProductSignal[] | undefined) ??
              [...contextValue.answeredBy.keys()].map((name) => ({ name, version: null, status: null, dataAsOf: null, stale: false })),
            failed,
            // The code only: a message can echo the caller's own values (GraphQL repeats an
            // invalid variable in full), which are neither the collector's to keep nor bounded in size.
            errorMessage: failed && first ? `The operation failed: ${String(first.extensions?.code ?? 'INTERNAL_SERVER_ERROR')}` : undefined,
          });
        },
      };
    },
  };
}

/**
 * The run event of one captured operation. Each field read is put on the products that
 * resolve it and answered this request: a product that was never asked (the operation was
 * refused whole) or failed read nothing, and a field several products resolve (a shared
 * key or value type) was read from those that answered. A derived field read also reads
 * what it `@requires`: the gateway fetched those fields from their product to compute it,
 * so they are inputs of the run too.
 */
export function capturedRunEvent(captured: CapturedOperation, namespace: string): RunEvent {
  const { model } = captured;
  const answered = new Map(captured.answeredBy.map((signal) => [signal.name, signal]));
  const read = new Map<string, Set<string>>();
  const add = (product: string, field: string) => (read.get(product) ?? read.set(product, new Set()).get(product)!).add(field);
  for (const coordinate of captured.fields) {
    const owners = (model.fields.get(coordinate)?.resolvedBy ?? []).filter((product) => answered.has(product));
    for (const product of owners) add(product, coordinate);
    for (const edge of model.requiresEdges) {
      const [to, from] = [edge.to.split(':'), edge.from.split(':')] as [[string, string], [string, string]];
      if (to[1] === coordinate && owners.includes(to[0]) && answered.has(from[0])) add(from[0], from[1]);
    }
  }
  const inputs: InputDataset[] = [...read]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, fields]) => {
      const contract = model.products.get(name);
      const signal = answered.get(name);
      // The version the product answered with wins over the one composed: they differ while a new release rolls out.
      const dataset = productDataset(
        namespace,
        {
          name,
          version: signal?.version ?? contract?.version,
          owner: contract?.owner,
          description: contract?.description,
          fields: (model.fieldsOf.get(name) ?? []).map((f) => ({ name: f.coordinate, type: f.type, description: f.description })),
        },
        model.requiresEdges,
        fields,
      );
      const watermark = signal?.dataAsOf ? { dataAsOf: signal.dataAsOf, freshness: contract?.sla.freshness, stale: signal.stale } : undefined;
      return { ...dataset, facets: { ...dataset.facets, tags: readTagsFacet([...fields], watermark) } };
    });
  return runEvent({ namespace, runId: captured.runId, eventTime: captured.eventTime, failed: captured.failed, errorMessage: captured.errorMessage, consumer: captured.consumer, inputs });
}
