import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { SupergraphManager, SupergraphSdlHook } from '@apollo/gateway';

type SupergraphSdlHookOptions = Parameters<SupergraphSdlHook>[0];
import { MeshError, MeshErrorCode, UnreachableCaseError } from '../../schema/protocol/error-codes.ts';
import { subgraphsOf, type SupergraphSubgraph } from '../../schema/supergraph/supergraph-subgraphs.ts';
import { pollSupergraphUrl, watchSupergraphFile } from './supergraph-watcher.ts';

/** Where the gateway is in serving a supergraph. `/health` and `/ready` read this. */
export type SupergraphState =
  | { phase: 'loading'; source: string }
  | {
      phase: 'serving';
      source: string;
      hash: string;
      loadedAt: Date;
      subgraphs: SupergraphSubgraph[];
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

export function describeState(state: SupergraphState): string {
  switch (state.phase) {
    case 'loading':
      return `loading ${state.source}`;
    case 'serving':
      return `serving ${state.source} (${state.subgraphs.length} products, ${state.hash.slice(0, 12)})${state.refused ? `; refused ${state.refused.source}: ${state.refused.error}` : ''}`;
    case 'failed':
      return `failed to load ${state.source}: ${state.error}`;
    default:
      throw new UnreachableCaseError(state);
  }
}

export function hashSdl(sdl: string): string {
  return createHash('sha256').update(sdl).digest('hex');
}

/**
 * Supplies the supergraph to Apollo Gateway from a file. Implements Apollo's
 * `SupergraphManager`, so the gateway's own `update` callback is what swaps schemas.
 */
export class FileSupergraphSource implements SupergraphManager {
  private current: SupergraphState;
  protected update: SupergraphSdlHookOptions['update'] | undefined;
  private readonly stopWatching: (() => void)[] = [];

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
      admit?: (sdl: string) => void;
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

  /** Reads and checks the file; throws SUPERGRAPH_INVALID naming the file. */
  read(): { sdl: string; subgraphs: SupergraphSubgraph[] } {
    return this.check(this.watch.initial?.sdl ?? this.readText());
  }

  private readText(): string {
    try {
      return readFileSync(this.file, 'utf8');
    } catch (error) {
      throw new MeshError(MeshErrorCode.SUPERGRAPH_INVALID, `Cannot read supergraph ${this.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }

  private check(sdl: string): { sdl: string; subgraphs: SupergraphSubgraph[] } {
    const subgraphs = subgraphsOf(sdl);
    this.watch.admit?.(sdl);
    return { sdl, subgraphs };
  }

  /** Records that the gateway now serves `sdl`. Called from the gateway's schema listener. */
  markServing(sdl: string, origin = this.file): void {
    this.current = { phase: 'serving', source: origin, hash: hashSdl(sdl), loadedAt: new Date(), subgraphs: subgraphsOf(sdl) };
  }

  /**
   * Swaps in a new supergraph if it is valid and admitted, through Apollo Gateway's own `update`, which
   * builds the new schema and query planner before switching: requests in flight finish on
   * the plan they started with. An invalid one is refused and the last good one keeps
   * serving; the refusal is logged and shown in the state `/ready` reports.
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
      this.check(text);
      if (!this.update) throw new MeshError(MeshErrorCode.SUPERGRAPH_NOT_LOADED, 'The gateway has not loaded its first supergraph yet');
      this.update(text); // throws if Apollo cannot build a schema from it
      this.markServing(text, origin);
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
      const { sdl } = this.read();
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
      return { supergraphSdl: sdl, cleanup };
    } catch (error) {
      this.markFailed(error);
      throw error;
    }
  }
}
