import { isInterfaceType, isObjectType, type GraphQLSchema } from 'graphql';
import type { AgreementAccess } from './agreement-access.ts';
import type { Principal } from './authentication.ts';
import { FieldAccess } from './field-access.ts';
import { previewApiSchema } from './preview-api-schema.ts';
import type { SupergraphModel } from '../../schema/supergraph/supergraph-model.ts';

/**
 * What the gateway shows one caller of its graph, decided once for the three doors that
 * describe it: introspection on `/graphql` (the preview gate plugin), `/mcp`'s
 * descriptions and the catalog (`/catalog`, `/catalog/<product>`, `/catalog.json`). A door
 * that decided on its own would, sooner or later, name a field or a client another door
 * hides from the same caller.
 */

export interface PreviewOptIn {
  /** Request header that opts in with the value `true`. */
  header: string;
  /** Token scope that opts in. */
  scope: string;
}

/** Whether a caller opted in to preview fields: the header set to `true`, or the scope in its token. */
export function previewOptedIn(headers: Record<string, string>, principal: Principal, options: PreviewOptIn): boolean {
  return headers[options.header]?.toLowerCase() === 'true' || principal.scopes.has(options.scope);
}

/**
 * The API schema a caller sees: whole once it opted in to preview, else without the preview
 * fields (`Type.field`) and the types only they reach. Introspection answers from it, and
 * `/mcp` and the catalog name a served field only if it is in it.
 */
export function callerApiSchema(apiSchema: GraphQLSchema, previewFields: ReadonlySet<string>, optedIn: boolean): GraphQLSchema {
  return optedIn || previewFields.size === 0 ? apiSchema : previewApiSchema(apiSchema, previewFields).schema;
}

/** What one caller can learn about a field of the served graph. */
export interface CallerSchema {
  /**
   * The field is in the caller's API schema: served (not `@inaccessible`), and not preview
   * unless the caller opted in. A field this says no to is never named to the caller.
   */
  has(coordinate: string): boolean;
  /** Why the caller may not read the field (sign-in, scopes, policy, agreement), or null when it may. */
  refusal(coordinate: string): string | null;
  /**
   * The field is under access agreement and the caller's verified application holds no
   * active one for it. `/mcp` does not describe such a field: what an agent is told follows
   * what it may read. The catalog still names it (`has`), since that is where a consumer
   * finds what to request an agreement for.
   */
  awaitsAgreement(coordinate: string): boolean;
}

/** One caller's view of the graph. */
export interface CallerView {
  /** Opted in to preview fields: they are named to it, and only then. */
  readonly previewOptedIn: boolean;
  /**
   * An operator (the operator scope in a verified token): shown which clients use what.
   * Client names are about other callers, so nobody else is, and anonymous callers never.
   */
  readonly operator: boolean;
  /** The served graph as it sees it; undefined while no supergraph is served. */
  readonly schema: CallerSchema | undefined;
}

export interface CallerViewOptions {
  preview: PreviewOptIn;
  /** The token scope that makes a caller an operator (`access.operatorScope`). */
  operatorScope: string;
  /** Access agreements, when the gateway enforces them: the same instance `/graphql` decides by. */
  agreements?: AgreementAccess | undefined;
}

/**
 * The served supergraph as each caller sees it. It decides by the same pieces `/graphql`
 * decides by, loaded from the same supergraph: the API schema Apollo Gateway serves, the
 * caller's variant of it ({@link callerApiSchema}), and {@link FieldAccess} for whether the
 * caller may read a field it can see.
 */
export class CallerViews {
  private current: { apiSchema: GraphQLSchema; preview: ReadonlySet<string>; access: FieldAccess } | undefined;

  constructor(private readonly options: CallerViewOptions) {}

  /** The request header that opts a caller in to preview: an answer cut by views varies by it. */
  get previewHeader(): string {
    return this.options.preview.header;
  }

  /** Swaps in a newly loaded supergraph and the API schema Apollo Gateway built from it. */
  load(model: SupergraphModel, apiSchema: GraphQLSchema): void {
    const access = new FieldAccess(this.options.agreements);
    access.load(model);
    this.current = { apiSchema, preview: model.previewFields, access };
  }

  /** The view of the caller with these headers and this (verified) principal. */
  forCaller(headers: Record<string, string>, principal: Principal): CallerView {
    const optedIn = previewOptedIn(headers, principal, this.options.preview);
    return { previewOptedIn: optedIn, operator: principal.authenticated && principal.scopes.has(this.options.operatorScope), schema: this.schemaFor(principal, optedIn) };
  }

  private schemaFor(principal: Principal, optedIn: boolean): CallerSchema | undefined {
    const current = this.current;
    if (!current) return undefined;
    const schema = callerApiSchema(current.apiSchema, current.preview, optedIn);
    return {
      has: (coordinate) => {
        const [typeName, fieldName] = coordinate.split('.') as [string, string];
        const type = schema.getType(typeName);
        return (isObjectType(type) || isInterfaceType(type)) && fieldName in type.getFields();
      },
      refusal: (coordinate) => current.access.refusal(coordinate, principal),
      awaitsAgreement: (coordinate) => (this.options.agreements?.refusal(coordinate, principal) ?? null) !== null,
    };
  }
}
