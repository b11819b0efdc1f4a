import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { AnswerCache } from '../cache/answer-cache.ts';
import { answerIdentity } from './answer-identity.ts';
import type { ExecutorRequest, ExecutorResult, GatewayExecutor, GatewayInterface } from './gateway-contract.ts';
import { Singleflight } from '../primitives/singleflight.ts';
import type { GatewayContext } from '../gateway-context.ts';

/** What one execution answers: Apollo Gateway's execution result. */
export type ExecutionAnswer = ExecutorResult;

/** A shared data tree serialized, and the last whole answer text built around it. */
interface SerializedAnswer {
  dataJson: string;
  /** The errors and extensions of `text`, serialized. */
  rest: string;
  text: string;
}

/** What an execution hands to every request that joined it. */
interface Execution {
  readonly result: ExecutorResult;
  /** The leader's context: the products that answered are read from it. */
  readonly leader: GatewayContext;
}

export interface ExecutionSharingOptions {
  /** Identical queries in flight together share one execution (`coalesceQueries`). @default true */
  coalesce?: boolean;
  /** Whole answers kept until a product behind them moves (with the watermark cache). */
  answers?: AnswerCache<ExecutorResult>;
  /** Called once for every request that was answered by another request's execution. */
  onJoin?: () => void;
}

/**
 * Identical query executions, shared, in two optional layers: inbound request coalescing (a
 * query with the answer identity of one being executed waits for it instead of planning and
 * fetching again; nothing outlives the execution) and whole answers kept in the
 * {@link AnswerCache} until a product behind them reports a new watermark. Only queries share;
 * every request still runs its own plugins on its own copy of the answer. The life-cycle
 * document ("What callers share") says why this is safe.
 */
export class ExecutionSharing {
  private readonly executions = new Singleflight<Execution>();
  private readonly schemaIds = new WeakMap<GraphQLSchema, number>();
  /** Data trees of flights that had joiners, each serialized once for all of its callers. */
  private readonly sharedData = new WeakMap<object, SerializedAnswer | null>();
  private nextSchemaId = 0;

  constructor(private readonly options: ExecutionSharingOptions = {}) {}

  /** Flights under way right now (tests and metrics). */
  get inFlight(): number {
    return this.executions.size;
  }

  wrap(executor: GatewayExecutor): GatewayExecutor {
    return async (requestContext) => {
      const key = this.keyOf(requestContext);
      if (key === undefined) return executor(requestContext);
      const context = requestContext.context as GatewayContext;
      const run = () => this.execute(key, executor, requestContext, context);
      if (this.options.coalesce === false) return (await run()).result;
      const { shared, result } = this.executions.join(key, run);
      if (shared) this.options.onJoin?.();
      const execution = await result;
      if (!shared) return execution.result;
      this.markShared(execution.result);
      return copyForJoiner(execution.result, execution.leader, context);
    };
  }

  /** One execution: a kept answer when there is one, else the gateway's, kept if it may be. */
  private async execute(key: string, executor: GatewayExecutor, requestContext: ExecutorRequest, context: GatewayContext): Promise<Execution> {
    const { answers } = this.options;
    const kept = await answers?.lookup(key);
    if (kept) {
      this.markShared(kept.answer);
      for (const [product, report] of kept.reports) context.answeredBy.set(product, report);
      return { result: { ...kept.answer }, leader: context };
    }
    const result = await executor(requestContext);
    if (answers) await answers.remember(key, result, context.answeredBy);
    return { result, leader: context };
  }

  /** A data tree more than one request answers with: serialized once, never rewritten. */
  private markShared(result: ExecutorResult): void {
    const { data } = result;
    if (data && !this.sharedData.has(data)) this.sharedData.set(data, null);
  }

  /**
   * Apollo Server's `stringifyResult`: the fields in Apollo's order (errors, data,
   * extensions), with a shared data tree serialized once however many callers it answers.
   * Errors and extensions are each caller's own (request ids, product signals, cost); when
   * a caller's are the same as the previous caller's, that caller's whole text is reused.
   */
  stringifyResult(result: { errors?: unknown; data?: unknown; extensions?: unknown }): string {
    const { data } = result;
    const shared = typeof data === 'object' && data !== null ? this.sharedData.get(data) : undefined;
    if (shared === undefined) return JSON.stringify(result);
    const errors = result.errors === undefined ? undefined : JSON.stringify(result.errors);
    const extensions = result.extensions === undefined ? undefined : JSON.stringify(result.extensions);
    const rest = `${errors}\n${extensions}`;
    if (shared !== null && shared.rest === rest) return shared.text;
    // V8's JSON.stringify returns a large result as a rope of many small pieces, and every
    // text built around it would walk the rope again. Copied once into one flat string, it
    // is walked once; the answer's text is then reused whole while the rest is unchanged.
    const dataJson = shared?.dataJson ?? Buffer.from(JSON.stringify(data), 'utf8').toString('utf8');
    const fields = [`"data":${dataJson}`];
    if (errors !== undefined) fields.unshift(`"errors":${errors}`);
    if (extensions !== undefined) fields.push(`"extensions":${extensions}`);
    const text = `{${fields.join(',')}}`;
    this.sharedData.set(data as object, { dataJson, rest, text });
    return text;
  }

  /** Wraps Apollo Gateway so Apollo Server executes through the coalescer. */
  wrapGateway(gateway: GatewayInterface): GatewayInterface {
    return {
      load: async (options) => {
        const loaded = await gateway.load(options);
        return { ...loaded, executor: loaded.executor && this.wrap(loaded.executor) };
      },
      onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
      stop: () => gateway.stop(),
    };
  }

  /** The identity of what an execution depends on, or undefined when it must run alone. */
  private keyOf(requestContext: ExecutorRequest): string | undefined {
    return answerIdentity(requestContext, this.schemaId(requestContext.schema));
  }

  private schemaId(schema: GraphQLSchema): number {
    let id = this.schemaIds.get(schema);
    if (id === undefined) {
      id = this.nextSchemaId++;
      this.schemaIds.set(schema, id);
    }
    return id;
  }
}

/**
 * A joiner's own copy of the leader's result: its own result object and error objects,
 * because later plugins stamp request ids on errors and mask them in place. The data tree
 * is shared read-only: the plugins that shape data per caller (access denials, preview
 * introspection) build their own copy of what they change.
 * The products that answered the leader answered the joiner too: their reports are copied.
 */
function copyForJoiner(result: ExecutorResult, leader: GatewayContext, joiner: GatewayContext): ExecutorResult {
  for (const [product, report] of leader.answeredBy) joiner.answeredBy.set(product, report);
  return {
    ...result,
    ...(result.errors && { errors: result.errors.map((error) => copyError(error)) }),
  };
}

function copyError(error: GraphQLError): GraphQLError {
  const { nodes, source, positions, path, originalError, extensions } = error;
  return new GraphQLError(error.message, { nodes, source, positions, path, originalError, extensions: { ...extensions } });
}
