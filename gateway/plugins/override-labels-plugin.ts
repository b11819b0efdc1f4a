import type { ApolloServerPlugin } from '@apollo/server';
import { visit, type DocumentNode } from 'graphql';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import type { GatewayConfig } from '../config.ts';
import type { GatewayContext } from '../gateway-context.ts';
import type { OnSupergraph } from '../supergraph/supergraph-source.ts';

/** Longest override header read, and most labels in it: more is refused, never truncated. */
const MAX_HEADER_BYTES = 512;
const MAX_HEADER_LABELS = 16;
const PERCENT = /^percent\((\d{1,3}(?:\.\d+)?)\)$/;

/** The field names an operation selects, fragments included. */
function selectedFieldNames(document: DocumentNode): Set<string> {
  const names = new Set<string>();
  visit(document, { Field: (field) => void names.add(field.name.value) });
  return names;
}

/**
 * Progressive `@override`, decided per request before it is planned: which labels of the
 * supergraph that move a field the operation selects are on. `percent(N)`: on for a request when a draw from `random` falls under N%.
 * Any other label: on when `override.labels` says so or when `override.header` names it.
 * The executor plans with these labels as the planner's override conditions, under a plan
 * cache key of its own per label set, and execution sharing keys on them too: two requests
 * with different labels are different plans, never one shared execution.
 */
export function overrideLabelsPlugin(config: GatewayConfig['override'], onSupergraph: OnSupergraph, random: () => number = Math.random): ApolloServerPlugin<GatewayContext> {
  let known: ReadonlyMap<string, ReadonlySet<string>> = new Map();
  onSupergraph((model) => (known = model.overrideLabels));
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, document }) {
          const asked = config.header ? headerLabels(contextValue.headers[config.header]) : new Set<string>();
          if (known.size === 0) return;
          // Only labels that move a field the operation selects (by name: an interface's field
          // counts too) are decided: any other label would not change the plan, and would only
          // split sharing and the plan cache between requests that run the same plan.
          const selected = selectedFieldNames(document);
          const on: string[] = [];
          for (const [label, fields] of known) {
            if (![...fields].some((name) => selected.has(name))) continue;
            const percent = PERCENT.exec(label);
            if (percent) {
              if (random() * 100 < Number(percent[1])) on.push(label);
            } else if (config.labels[label] === true || (asked.has(label) && config.labels[label] !== false)) {
              on.push(label);
            }
          }
          contextValue.overrideLabels = on;
        },
      };
    },
  };
}

/** Labels a request's header names, refused whole when it is longer or names more than the gateway reads. */
function headerLabels(value: string | undefined): Set<string> {
  if (!value) return new Set();
  if (Buffer.byteLength(value) > MAX_HEADER_BYTES) throw new MeshError(MeshErrorCode.OVERRIDE_HEADER_INVALID, `The override header is longer than ${MAX_HEADER_BYTES} bytes`, { endsRequest: true });
  const labels = value
    .split(',')
    .map((label) => label.trim())
    .filter((label) => label.length > 0);
  if (labels.length > MAX_HEADER_LABELS) throw new MeshError(MeshErrorCode.OVERRIDE_HEADER_INVALID, `The override header names more than ${MAX_HEADER_LABELS} labels`, { endsRequest: true });
  // percent(N) labels are drawn by the gateway: a client cannot name itself into a rollout.
  return new Set(labels.filter((label) => !PERCENT.test(label)));
}
