import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { SupergraphManager, SupergraphSdlHook } from '@apollo/gateway';

type SupergraphSdlHookOptions = Parameters<SupergraphSdlHook>[0];
import { Kind, parse, type ConstValueNode } from 'graphql';
import { MeshError, MeshErrorCode, UnreachableCaseError } from './error-codes.ts';

/** A subgraph as the supergraph names it: `join__Graph` enum values with `@join__graph`. */
export interface SupergraphSubgraph {
  name: string;
  url: string;
}

/** Where the gateway is in serving a supergraph. `/health` and `/ready` read this. */
export type SupergraphState =
  | { phase: 'loading'; source: string }
  | { phase: 'serving'; source: string; hash: string; loadedAt: Date; subgraphs: SupergraphSubgraph[] }
  | { phase: 'failed'; source: string; error: string };

export function describeState(state: SupergraphState): string {
  switch (state.phase) {
    case 'loading':
      return `loading ${state.source}`;
    case 'serving':
      return `serving ${state.source} (${state.subgraphs.length} products, ${state.hash.slice(0, 12)})`;
    case 'failed':
      return `failed to load ${state.source}: ${state.error}`;
    default:
      throw new UnreachableCaseError(state);
  }
}

export function hashSdl(sdl: string): string {
  return createHash('sha256').update(sdl).digest('hex');
}

/** Reads the subgraph names and URLs a supergraph routes to. */
export function subgraphsOf(supergraphSdl: string): SupergraphSubgraph[] {
  let document;
  try {
    document = parse(supergraphSdl);
  } catch (error) {
    throw new MeshError(MeshErrorCode.SUPERGRAPH_INVALID, `Supergraph is not valid SDL: ${(error as Error).message}`);
  }
  const subgraphs: SupergraphSubgraph[] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.ENUM_TYPE_DEFINITION || definition.name.value !== 'join__Graph') continue;
    for (const value of definition.values ?? []) {
      const directive = value.directives?.find((d) => d.name.value === 'join__graph');
      const arg = (name: string) => stringValue(directive?.arguments?.find((a) => a.name.value === name)?.value);
      subgraphs.push({ name: arg('name') ?? value.name.value.toLowerCase(), url: arg('url') ?? '' });
    }
  }
  if (subgraphs.length === 0) throw new MeshError(MeshErrorCode.SUPERGRAPH_INVALID, 'Supergraph declares no subgraphs (no join__Graph enum)');
  return subgraphs;
}

function stringValue(node: ConstValueNode | undefined): string | undefined {
  return node?.kind === Kind.STRING ? node.value : undefined;
}

/**
 * Supplies the supergraph to Apollo Gateway from a file. Implements Apollo's
 * `SupergraphManager`, so the gateway's own `update` callback is what swaps schemas.
 */
export class FileSupergraphSource implements SupergraphManager {
  private current: SupergraphState;
  protected update: SupergraphSdlHookOptions['update'] | undefined;

  constructor(readonly file: string) {
    this.current = { phase: 'loading', source: file };
  }

  get state(): SupergraphState {
    return this.current;
  }

  /** Reads and checks the file; throws SUPERGRAPH_INVALID naming the file. */
  read(): { sdl: string; subgraphs: SupergraphSubgraph[] } {
    let sdl: string;
    try {
      sdl = readFileSync(this.file, 'utf8');
    } catch (error) {
      throw new MeshError(MeshErrorCode.SUPERGRAPH_INVALID, `Cannot read supergraph ${this.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    return { sdl, subgraphs: subgraphsOf(sdl) };
  }

  /** Records that the gateway now serves `sdl`. Called from the gateway's schema listener. */
  markServing(sdl: string): void {
    this.current = { phase: 'serving', source: this.file, hash: hashSdl(sdl), loadedAt: new Date(), subgraphs: subgraphsOf(sdl) };
  }

  markFailed(error: unknown): void {
    // A failed reload keeps the last good supergraph serving; only a first load can fail the state.
    if (this.current.phase !== 'serving') this.current = { phase: 'failed', source: this.file, error: (error as Error).message };
  }

  async initialize(options: SupergraphSdlHookOptions): Promise<{ supergraphSdl: string; cleanup?: () => Promise<void> }> {
    this.update = options.update;
    try {
      const { sdl } = this.read();
      return { supergraphSdl: sdl };
    } catch (error) {
      this.markFailed(error);
      throw error;
    }
  }
}
