import type { DeferredNode } from '@apollo/query-planner';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { ProductReport } from '../../schema/protocol/product-report.ts';
import { applyDenials, type DeniedField } from '../access/operation-pruning.ts';
import { isObjectOfType } from './entity-representations.ts';
import { deferredFragmentKey, responseKeysOf, type DeferredFragment } from './deferred-fragments.ts';
import type { OperationShape } from './result-shape.ts';

type Data = Record<string, unknown>;
type Path = (string | number)[];

/** One deferred fragment's answer at one place in the response (deferSpec=20220824). */
export interface IncrementalPart {
  data: Data | null;
  path: Path;
  label?: string;
  errors?: GraphQLError[];
}

/** What follows the first part, before the HTTP layer finishes it (masking, request id, product signals). */
export interface SubsequentPayload {
  incremental?: IncrementalPart[];
  hasNext: boolean;
  /** The products this payload's fetches asked, with what each reported, for its `extensions.dataProducts`. */
  products: readonly (readonly [string, ProductReport | null])[];
}

/**
 * A request's incremental delivery, carried on its context from the HTTP route (which knows
 * whether the client reads `multipart/mixed;deferSpec=20220824`) through the defer plugin
 * (which knows whether the operation defers anything) to the executor (which puts the parts
 * still to come here) and back to the route (which writes them). One object, so every hop
 * sees the same one whatever copies of the context Apollo Server makes.
 */
export class IncrementalDelivery {
  /** Set by the defer plugin when the operation has `@defer` fragments the client may receive in parts. */
  deferring = false;
  /** The operation's `@defer` fragments as the client sent them (before access pruned any field). */
  fragments: readonly DeferredFragment[] = [];
  /** Access denials of fields inside a deferred fragment: told in that fragment's part, not the first. */
  private readonly heldDenials = new Map<string, DeniedField[]>();
  /** Set by the executor once the first part is answered and deferred parts are under way. */
  parts: AsyncIterable<SubsequentPayload> | undefined;

  constructor(readonly accepted: boolean) {}

  /**
   * Takes the denials of fields inside a deferred fragment out of those the first part gets:
   * the field's null (and the null it bubbles to, up to the fragment) and its FORBIDDEN_FIELD
   * error arrive with the fragment's part, as if its product had refused it there.
   */
  holdDeferredDenials(denied: DeniedField[]): DeniedField[] {
    if (!this.deferring || denied.length === 0) return denied;
    const primary: DeniedField[] = [];
    for (const field of denied) {
      const keys = field.steps.map((step) => step.key);
      // The innermost fragment holding the field: its path is a prefix and its own keys hold the next step.
      let owner: DeferredFragment | undefined;
      for (const fragment of this.fragments) {
        const n = fragment.path.length;
        if (keys.length > n && fragment.path.every((key, i) => keys[i] === key) && fragment.keys.includes(keys[n]!) && (!owner || n >= owner.path.length)) owner = fragment;
      }
      if (!owner) primary.push(field);
      else this.heldDenials.set(owner.key, [...(this.heldDenials.get(owner.key) ?? []), field]);
    }
    return primary;
  }

  deniedIn(fragmentKey: string): readonly DeniedField[] {
    return this.heldDenials.get(fragmentKey) ?? [];
  }
}

/** What running one deferred block found besides the data it merged into the response tree. */
export interface DeferredRun {
  errors: readonly GraphQLError[];
  products: readonly (readonly [string, ProductReport | null])[];
  /** `@defer` blocks nested in this one: they start once this one is delivered. */
  nested: readonly DeferredNode[];
}

export interface DeferredExecutionOptions {
  schema: GraphQLSchema;
  delivery: IncrementalDelivery;
  variables: Data;
  /** The response tree the blocks merge into (the first part's fetches are already in it). */
  root: Data;
  /** The result shape once the given deferred fragments (by key) have arrived. */
  shapeOf: (delivered: ReadonlySet<string>) => OperationShape;
  run: (node: DeferredNode) => Promise<DeferredRun>;
}

/**
 * Runs a plan's deferred blocks once its first part is answered (those the executor started
 * alongside it are awaited) and yields one payload per block as it completes. Each payload is shaped from the one response tree with the fragments delivered
 * so far, so a fragment not yet fetched is never read as a null, and carries the fragment's
 * own response keys at every place its query path reaches (one part per list element).
 * A null in a non-null field of a fragment stays in its part: the part's data is null with
 * the error, the parts already sent are untouched.
 */
export function deliverDeferred(nodes: readonly DeferredNode[], options: DeferredExecutionOptions): AsyncIterable<SubsequentPayload> {
  const fragments = new Map<string, DeferredFragment>();
  for (const fragment of options.delivery.fragments) fragments.set(fragment.key, fragment);
  const delivered = new Set<string>();
  const queue = new PayloadQueue();
  let outstanding = 0;

  const launch = (node: DeferredNode): void => {
    outstanding++;
    options.run(node).then(
      (run) => finish(node, run),
      (error: GraphQLError) => finish(node, { errors: [error], products: [], nested: [] }),
    );
  };
  const finish = (node: DeferredNode, run: DeferredRun): void => {
    const key = deferredFragmentKey(responseKeysOf(node.queryPath), node.label);
    delivered.add(key);
    const incremental = partsOf(node, run, fragments.get(key), options.delivery.deniedIn(key), options, options.shapeOf(delivered));
    for (const nested of run.nested) launch(nested);
    outstanding--;
    queue.push({ incremental, hasNext: outstanding > 0, products: run.products });
    if (outstanding === 0) queue.end();
  };
  for (const node of nodes) launch(node);
  return queue;
}

function partsOf(
  node: DeferredNode,
  run: DeferredRun,
  fragment: DeferredFragment | undefined,
  denied: readonly DeniedField[],
  options: DeferredExecutionOptions,
  shape: OperationShape,
): IncrementalPart[] {
  const { data, errors: completionErrors } = shape.complete(options.root, run.errors, options.variables);
  const places: { path: Path; object: Data | null }[] = [];
  collectPlaces(options.schema, data, options.root, node.queryPath, 0, [], places);
  const keys = new Set(fragment?.keys ?? []);
  const label = node.label === undefined ? {} : { label: node.label };
  // Denials inside the fragment, from its object down: a null they bubble stops at the fragment (its data is null).
  const relative = denied.map((field) => ({ ...field, steps: field.steps.slice(fragment?.path.length ?? 0) }));
  const deniedErrors: GraphQLError[] = [];
  const parts: IncrementalPart[] = places.map(({ path, object }) => {
    if (object === null) return { data: null, path, ...label };
    const picked: Data = {};
    for (const key of keys) if (Object.hasOwn(object, key)) picked[key] = object[key];
    if (relative.length === 0) return { data: picked, path, ...label };
    const applied = applyDenials(picked, relative);
    for (const error of applied.errors) deniedErrors.push(new GraphQLError(error.message, { path: [...path, ...(error.path ?? [])], extensions: error.extensions }));
    return { data: applied.data ?? null, path, ...label };
  });
  // The first part's errors were sent with it: a part carries only errors at or under its own fields.
  const place = (error: GraphQLError): IncrementalPart | undefined =>
    parts.find((part) => error.path && startsWith(error.path, part.path) && (error.path.length === part.path.length || keys.has(String(error.path[part.path.length]))));
  const unplaced: GraphQLError[] = [];
  for (const error of [...deniedErrors, ...run.errors, ...completionErrors]) {
    const part = place(error);
    if (part) {
      part.errors ??= [];
      part.errors.push(error);
    } else if (run.errors.includes(error)) unplaced.push(error);
  }
  if (unplaced.length > 0) {
    // A product failure with no place in the fragment (e.g. the whole fetch failed): told with the block's first part, or alone.
    const first = parts[0];
    if (first) {
      first.errors ??= [];
      first.errors.push(...unplaced);
    } else parts.push({ data: null, path: responseKeysOf(node.queryPath), ...label, errors: unplaced });
  }
  return parts;
}

function startsWith(path: readonly (string | number)[], prefix: readonly (string | number)[]): boolean {
  if (path.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (path[i] !== prefix[i]) return false;
  return true;
}

/** The objects of the shaped data at a query path (field names and `... on T`), with their paths; lists are crossed element by element. */
function collectPlaces(schema: GraphQLSchema, shaped: unknown, raw: unknown, queryPath: readonly string[], index: number, path: Path, out: { path: Path; object: Data | null }[]): void {
  if (shaped === null || shaped === undefined) {
    // The fragment's parent is null: its data is null (its error, when there is one, is in the first part or here).
    if (index === queryPath.length) out.push({ path: [...path], object: null });
    return;
  }
  if (Array.isArray(shaped)) {
    const rawItems = Array.isArray(raw) ? raw : [];
    shaped.forEach((item, i) => {
      path.push(i);
      collectPlaces(schema, item, rawItems[i], queryPath, index, path, out);
      path.pop();
    });
    return;
  }
  if (index === queryPath.length) {
    out.push({ path: [...path], object: shaped as Data });
    return;
  }
  const element = queryPath[index]!;
  if (element.startsWith('... on ')) {
    if (raw && typeof raw === 'object' && isObjectOfType(schema, raw as Data, element.slice(7), true)) collectPlaces(schema, shaped, raw, queryPath, index + 1, path, out);
    return;
  }
  const object = shaped as Data;
  if (!Object.hasOwn(object, element)) return;
  path.push(element);
  collectPlaces(schema, object[element], raw && typeof raw === 'object' ? (raw as Data)[element] : undefined, queryPath, index + 1, path, out);
  path.pop();
}

/** Payloads in the order they complete, read once by the HTTP layer. */
class PayloadQueue implements AsyncIterable<SubsequentPayload> {
  private readonly ready: SubsequentPayload[] = [];
  private ended = false;
  private wake: (() => void) | undefined;

  push(payload: SubsequentPayload): void {
    this.ready.push(payload);
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SubsequentPayload> {
    for (;;) {
      const next = this.ready.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}
