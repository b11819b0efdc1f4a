import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { SupergraphManager, SupergraphSdlHook } from '@apollo/gateway';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { apolloRefusal } from '../../schema/supergraph/supergraph-admission.ts';
import { parseSupergraph, readSupergraphModel, type SupergraphModel } from '../../schema/supergraph/supergraph-model.ts';
import type { SupergraphSubgraph } from '../../schema/supergraph/supergraph-subgraphs.ts';
import { pollSupergraphUrl, watchSupergraphFile } from './supergraph-watcher.ts';

type SupergraphSdlHookOptions = Parameters<SupergraphSdlHook>[0];

/** Where the gateway is in serving a supergraph. `/health` and `/ready` read this. */
export type SupergraphState =
  | { phase: 'loading'; source: string }
  | {
      phase: 'serving';
      source: string;
      hash: string;
      loadedAt: Date;
      subgraphs: readonly SupergraphSubgraph[];
      /** The newest supergraph seen was refused; the one above keeps serving. */
      refused?: RefusedSupergraph;
    }
  | { phase: 'failed'; source: string; error: string };

/** A reload that was refused: what was wrong with it, so `/ready` and the logs can say. */
export interface RefusedSupergraph {
  source: string;
  hash: string;
  error: string;
  at: Date;
}

export function hashSdl(sdl: string): string {
  return createHash('sha256').update(sdl).digest('hex');
}

/** A consumer of the served supergraph: handed each model as the gateway starts serving it, with the API schema Apollo Gateway built from it. */
export type SupergraphListener = (model: SupergraphModel, apiSchema: GraphQLSchema) => void;

/** How a consumer asks to be handed each model: the one hook through which every stage reads the served supergraph. */
export type OnSupergraph = (listener: SupergraphListener) => void;

/** A supergraph read and admitted, on its way to Apollo Gateway. */
interface Admitted {
  model: SupergraphModel;
  hash: string;
  origin: string;
  /** The parse the model was read from, until Apollo Gateway builds from it too. */
  document: DocumentNode | undefined;
}

/**
 * Supplies the supergraph to Apollo Gateway from a file. Implements Apollo's
 * `SupergraphManager`, so the gateway's own `update` callback is what swaps schemas. Each
 * supergraph is read once into its model, admitted by it, and the same model is handed to
 * every consumer once Apollo Gateway serves it.
 */
export class FileSupergraphSource implements SupergraphManager {
  private current: SupergraphState;
  protected update: SupergraphSdlHookOptions['update'] | undefined;
  private readonly stopWatching: (() => void)[] = [];
  private readonly listeners: SupergraphListener[] = [];
  /** The supergraph admitted last, until Apollo Gateway serves it. */
  private admitted: Admitted | undefined;

  /**
   * @param watch when the gateway starts serving, begin watching: `file` (and `url`, polled
   *   with ETag) are reloaded on change.
   */
  constructor(
    readonly file: string,
    private readonly watch: {
      file: boolean;
      url?: string;
      pollIntervalMs?: number;
      log?: (line: string) => void;
      /** Throws (with a code) when a supergraph must not be served; checked at start and before every swap. */
      admit?: (model: SupergraphModel) => void;
      /** Sent with every poll of `url` (a registry's token). */
      headers?: Record<string, string>;
      /** The supergraph to start with instead of reading `file` (taken from `url` at start), and its ETag. */
      initial?: { sdl: string; etag: string | undefined };
    } = { file: false },
  ) {
    this.current = { phase: 'loading', source: file };
  }

  get state(): SupergraphState {
    return this.current;
  }

  /** Hands `listener` the model of every supergraph the gateway serves from now on. */
  onLoad(listener: SupergraphListener): void {
    this.listeners.push(listener);
  }

  /** Reads and admits the supergraph to start with; throws SUPERGRAPH_INVALID (naming the file when it cannot be read). The gateway then serves this very model. */
  read(): SupergraphModel {
    this.admitted ??= this.check(this.watch.initial?.sdl ?? this.readText(), this.file);
    return this.admitted.model;
  }

  private readText(): string {
    try {
      return readFileSync(this.file, 'utf8');
    } catch (error) {
      throw new MeshError(MeshErrorCode.SUPERGRAPH_INVALID, `Cannot read supergraph ${this.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }

  private check(sdl: string, origin: string, hash = hashSdl(sdl)): Admitted {
    const document = parseSupergraph(sdl);
    const model = readSupergraphModel(sdl, document);
    this.watch.admit?.(model);
    return { model, hash, origin, document };
  }

  /**
   * The parse of `sdl` its model was read from, handed over once: Apollo Gateway's build takes
   * it instead of parsing the SDL again (and then holds the tree, which this source lets go).
   */
  takeDocument(sdl: string): DocumentNode | undefined {
    const admitted = this.admitted;
    if (admitted?.model.sdl !== sdl) return undefined;
    const { document } = admitted;
    admitted.document = undefined;
    return document;
  }

  /**
   * Hands an admitted supergraph to Apollo Gateway's `update`, which builds its schema and
   * planner before switching (requests in flight finish on the plan they started with) and
   * then calls {@link serving}. Apollo's build is the last admission rule: what it refuses is
   * refused here, coded as the registry codes it.
   */
  private apply(admitted: Admitted): void {
    if (!this.update) throw new MeshError(MeshErrorCode.SUPERGRAPH_NOT_LOADED, 'The gateway has not loaded its first supergraph yet');
    this.admitted = admitted;
    try {
      this.update(admitted.model.sdl);
    } catch (error) {
      this.admitted = undefined;
      throw apolloRefusal(error);
    }
  }

  /**
   * Apollo Gateway now serves `coreSupergraphSdl` (its `onSchemaLoadOrUpdate`): records it for
   * `/health` and `/ready`, and hands its model to every consumer, in the order they asked.
   */
  serving({ apiSchema, coreSupergraphSdl }: { apiSchema: GraphQLSchema; coreSupergraphSdl: string }): void {
    // Apollo hands back the very string it was given: the model admitted for it is the one served.
    const served =
      this.admitted?.model.sdl === coreSupergraphSdl ? this.admitted : { model: readSupergraphModel(coreSupergraphSdl), hash: hashSdl(coreSupergraphSdl), origin: this.file, document: undefined };
    this.admitted = undefined;
    this.current = { phase: 'serving', source: served.origin, hash: served.hash, loadedAt: new Date(), subgraphs: served.model.subgraphs };
    for (const listener of this.listeners) listener(served.model, apiSchema);
  }

  /**
   * Swaps in a new supergraph if it is valid and admitted. An invalid one is refused and the
   * last good one keeps serving; the refusal is logged and shown in the state `/ready` reports.
   */
  reload(origin: string, sdl?: string): 'unchanged' | 'swapped' | 'refused' {
    let hash = '';
    try {
      const text = sdl ?? this.readText();
      hash = hashSdl(text);
      if (this.current.phase === 'serving' && this.current.hash === hash) {
        // Back to what is serving after a refused one: the refusal is over.
        if (this.current.refused) this.current = { ...this.current, refused: undefined };
        return 'unchanged';
      }
      this.apply(this.check(text, origin, hash));
      return 'swapped';
    } catch (error) {
      const message = (error as Error).message;
      this.watch.log?.(`${MeshErrorCode.SUPERGRAPH_INVALID}: refused supergraph from ${origin}; the last good one keeps serving: ${message}`);
      if (this.current.phase === 'serving') this.current = { ...this.current, refused: { source: origin, hash, error: message, at: new Date() } };
      return 'refused';
    }
  }

  markFailed(error: unknown): void {
    // A failed reload keeps the last good supergraph serving; only a first load can fail the state.
    if (this.current.phase !== 'serving') this.current = { phase: 'failed', source: this.file, error: (error as Error).message };
  }

  async initialize(options: SupergraphSdlHookOptions): Promise<{ supergraphSdl: string; cleanup?: () => Promise<void> }> {
    this.update = options.update;
    try {
      const model = this.read();
      // Served through `update` here rather than only returned, so that what Apollo refuses at
      // start is refused with the same coded line as on a reload. Apollo then takes the returned
      // SDL as the composition it already has, and builds nothing again.
      this.apply(this.admitted!);
      if (this.watch.file) this.stopWatching.push(watchSupergraphFile(this.file, () => this.reload(this.file)));
      if (this.watch.url) {
        const url = this.watch.url;
        this.stopWatching.push(
          pollSupergraphUrl({
            url,
            intervalMs: this.watch.pollIntervalMs ?? 10_000,
            headers: this.watch.headers,
            etag: this.watch.initial?.etag,
            onSdl: (text) => this.reload(url, text),
            onError: (error) => this.watch.log?.(`${MeshErrorCode.SUPERGRAPH_NOT_LOADED}: cannot poll ${url}: ${error.message}`),
          }),
        );
      }
      const cleanup = async () => {
        for (const stop of this.stopWatching.splice(0)) stop();
      };
      return { supergraphSdl: model.sdl, cleanup };
    } catch (error) {
      this.markFailed(error);
      throw error;
    }
  }
}
