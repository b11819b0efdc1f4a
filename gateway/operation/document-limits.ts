import { Kind, Lexer, parse, Source, TokenKind, visit, type DocumentNode, type SelectionSetNode } from 'graphql';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import type { GatewayConfig } from '../config.ts';
import { RecencyMap } from '../primitives/recency-map.ts';
import { memoizeByDocument, memoizeByFragment } from './document-memo.ts';
import { countExpandedSelections } from './selection-count.ts';

/*
 * Shape limits on the operation document, after the OWASP GraphQL cheat sheet and Apollo
 * Router's limits, each refused with its own code (400). Tokens are counted before the
 * parser spends anything on a huge document, and depth, aliases, directives and expanded
 * selections before validation, whose overlapping-fields rule is exactly what an alias
 * flood or a fragment fan-out attacks.
 */

/**
 * Checks a document's text against every limit and returns it parsed, or `undefined`
 * when it does not parse (Apollo then reports the syntax error with its own code).
 */
export function checkDocumentLimits(source: string, limits: GatewayConfig['limits']): DocumentNode | undefined {
  let accepted = acceptedSources.get(limits);
  if (!accepted) {
    accepted = new RecencyMap(ACCEPTED_SOURCES_KEPT);
    acceptedSources.set(limits, accepted);
  }
  if (accepted.has(source)) return accepted.peek(source);
  const document = parseWithinLimits(source, limits);
  // A dashboard repeats the same few documents: each is lexed and parsed here once, not per request.
  accepted.set(source, document);
  return document;
}

/** Documents that passed the limits (or that only the parser will refuse), by text, per limits. */
const acceptedSources = new WeakMap<GatewayConfig['limits'], RecencyMap<string, DocumentNode | undefined>>();
const ACCEPTED_SOURCES_KEPT = 500;

function parseWithinLimits(source: string, limits: GatewayConfig['limits']): DocumentNode | undefined {
  checkTokens(source, limits.maxTokens);
  let document: DocumentNode;
  try {
    document = parse(source, { noLocation: true, maxTokens: limits.maxTokens });
  } catch {
    return undefined;
  }
  checkShape(document, limits);
  return document;
}

function refuse(code: MeshErrorCode, message: string): never {
  throw new MeshError(code, message, { endsRequest: true });
}

/** Stops lexing at the first token over the limit, so a huge document costs only the limit. */
function checkTokens(source: string, maxTokens: number): void {
  const lexer = new Lexer(new Source(source));
  let count = 0;
  try {
    while (lexer.advance().kind !== TokenKind.EOF) {
      if (++count > maxTokens) refuse(MeshErrorCode.TOKEN_LIMIT_EXCEEDED, `Operation has more than ${maxTokens} tokens`);
    }
  } catch (error) {
    if (error instanceof MeshError) throw error;
    // A lexing error is the parser's to report, with GRAPHQL_PARSE_FAILED.
  }
}

/** The limits a parsed document can still be held to: all but the token count, whose text may be gone. */
export function checkShape(document: DocumentNode, limits: GatewayConfig['limits']): void {
  const { aliases, directives, depth } = shapeOf(document);
  if (aliases > limits.maxAliases) refuse(MeshErrorCode.ALIAS_LIMIT_EXCEEDED, `Operation uses ${aliases} aliases; the limit is ${limits.maxAliases}`);
  if (directives > limits.maxDirectives) refuse(MeshErrorCode.DIRECTIVE_LIMIT_EXCEEDED, `Operation uses ${directives} directives; the limit is ${limits.maxDirectives}`);
  if (depth > limits.maxDepth) refuse(MeshErrorCode.DEPTH_LIMIT_EXCEEDED, `Operation is ${depth} levels deep; the limit is ${limits.maxDepth}`);
  // Last, and before validation: a fragment fan-out is small text, shallow and alias-free,
  // and only its expanded size (what validation and planning would pay) gives it away.
  const selections = countExpandedSelections(document, limits.maxSelections);
  if (selections > limits.maxSelections) {
    refuse(MeshErrorCode.SELECTION_LIMIT_EXCEEDED, `Operation selects more than ${limits.maxSelections} fields once its fragments are expanded`);
  }
}

/** What the shape limits count, counted once per document. */
const shapeOf = memoizeByDocument((document) => {
  let aliases = 0;
  let directives = 0;
  visit(document, {
    Field(node) {
      if (node.alias) aliases++;
    },
    Directive() {
      directives++;
    },
  });
  return { aliases, directives, depth: maxDepth(document) };
});

/** The deepest field nesting of any operation, through fragments. */
function maxDepth(document: DocumentNode): number {
  const fragmentDepth = memoizeByFragment(document, (fragment) => depthOf(fragment.selectionSet), 0);
  const depthOf = (selectionSet: SelectionSetNode): number => {
    let deepest = 0;
    for (const selection of selectionSet.selections) {
      let depth: number;
      if (selection.kind === Kind.FIELD) depth = 1 + (selection.selectionSet ? depthOf(selection.selectionSet) : 0);
      else if (selection.kind === Kind.INLINE_FRAGMENT) depth = depthOf(selection.selectionSet);
      else depth = fragmentDepth(selection.name.value);
      deepest = Math.max(deepest, depth);
    }
    return deepest;
  };
  let deepest = 0;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION) deepest = Math.max(deepest, depthOf(definition.selectionSet));
  }
  return deepest;
}
