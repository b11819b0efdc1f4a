import { Kind, parse, type DocumentNode } from 'graphql';
import * as z from 'zod';
import { MeshError, MeshErrorCode } from '../protocol/error-codes.ts';

/**
 * How much one contract may ask of the registry. A check composes the candidate with the
 * whole mesh, and Apollo's composition costs more than linear in the fields of one type (its
 * satisfiability walk looks a field's edge up among all its type's edges: 8,000 fields on one
 * type take seconds, 60,000 minutes). Our own stages are linear, so these limits bound
 * a check's time as well as its memory, and they are checked before any of it runs.
 *
 * The defaults hold the largest real APIs with room (GitHub's and Shopify's biggest types
 * have a few hundred fields) and keep a check at the limits to seconds on one core.
 */
export const checkLimitsSchema = z.strictObject({
  /** Largest SDL of one product, in bytes (UTF-8). With the descriptor's, it fits the default request body (`maxBodyBytes`). @default 393216 */
  maxSdlBytes: z
    .number()
    .int()
    .positive()
    .default(384 * 1024),
  /** Largest descriptor (`product.yaml`) of one product, in bytes. @default 393216 */
  maxDescriptorBytes: z
    .number()
    .int()
    .positive()
    .default(384 * 1024),
  /** Most type definitions and extensions in one product's SDL. @default 1000 */
  maxTypes: z.number().int().positive().default(1_000),
  /** Most fields (or enum values, or input fields) on one type, its extensions counted in. @default 1000 */
  maxFieldsPerType: z.number().int().positive().default(1_000),
  /** Most elements in one product's SDL: fields, arguments, input fields and enum values together. @default 10000 */
  maxElements: z.number().int().positive().default(10_000),
  /**
   * Longest one check or composition may run before it is stopped (CHECK_TIMEOUT) and its
   * worker replaced; within the limits above a check takes seconds. @default 120000
   */
  checkTimeoutMs: z
    .number()
    .int()
    .positive()
    .max(2 ** 31 - 1)
    .default(120_000),
});

export type CheckLimits = z.infer<typeof checkLimitsSchema>;

export const DEFAULT_CHECK_LIMITS: CheckLimits = checkLimitsSchema.parse({});

/** What a contract is refused by: the limit's config name, its value, and what the contract has. */
function tooLarge(product: string, limit: keyof CheckLimits, value: number, what: string): MeshError {
  return new MeshError(MeshErrorCode.CONTRACT_TOO_LARGE, `${product.slice(0, 64)}: ${what}, over the registry's limit limits.${limit} = ${value}; nothing was checked`);
}

/** Tokens a parse may read: past this the SDL is over `maxElements` whatever else it holds, and the parse stops. */
const TOKENS_PER_ELEMENT = 16;

/**
 * Throws CONTRACT_TOO_LARGE naming the first limit `contract` is over. Linear in the text:
 * one parse (itself stopped at a token budget) and one pass over its definitions. SDL that
 * does not parse is left to the check, which reports it as a finding.
 */
export function assertWithinCheckLimits(contract: { product: string; descriptor: string; sdl: string }, limits: CheckLimits): void {
  const { product } = contract;
  const descriptorBytes = Buffer.byteLength(contract.descriptor);
  if (descriptorBytes > limits.maxDescriptorBytes) throw tooLarge(product, 'maxDescriptorBytes', limits.maxDescriptorBytes, `the descriptor has ${descriptorBytes} bytes`);
  const sdlBytes = Buffer.byteLength(contract.sdl);
  if (sdlBytes > limits.maxSdlBytes) throw tooLarge(product, 'maxSdlBytes', limits.maxSdlBytes, `the SDL has ${sdlBytes} bytes`);
  let document: DocumentNode;
  try {
    document = parse(contract.sdl, { noLocation: true, maxTokens: limits.maxElements * TOKENS_PER_ELEMENT });
  } catch (error) {
    // graphql-js words it "more that N tokens"; either spelling is the budget, not a syntax error.
    if (/more th(?:an|at) \d+ tokens/.test((error as Error).message)) {
      throw tooLarge(product, 'maxElements', limits.maxElements, `the SDL has more than ${limits.maxElements * TOKENS_PER_ELEMENT} tokens`);
    }
    return;
  }
  const perType = new Map<string, number>();
  let types = 0;
  let elements = 0;
  for (const definition of document.definitions) {
    if (!('name' in definition) || !definition.name || definition.kind === Kind.DIRECTIVE_DEFINITION) continue;
    types += 1;
    const members = 'fields' in definition ? (definition.fields ?? []) : 'values' in definition ? (definition.values ?? []) : [];
    const name = definition.name.value;
    perType.set(name, (perType.get(name) ?? 0) + members.length);
    elements += members.length;
    for (const member of members) elements += 'arguments' in member ? (member.arguments?.length ?? 0) : 0;
    if (perType.get(name)! > limits.maxFieldsPerType) throw tooLarge(product, 'maxFieldsPerType', limits.maxFieldsPerType, `type ${name} has ${perType.get(name)} fields`);
  }
  if (types > limits.maxTypes) throw tooLarge(product, 'maxTypes', limits.maxTypes, `the SDL defines ${types} types`);
  if (elements > limits.maxElements) throw tooLarge(product, 'maxElements', limits.maxElements, `the SDL has ${elements} fields, arguments, input fields and enum values`);
}
