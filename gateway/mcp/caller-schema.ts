import { isInterfaceType, isObjectType, type GraphQLSchema } from 'graphql';
import type { Principal } from '../access/authentication.ts';
import { FieldAccess } from '../access/field-access.ts';
import { previewApiSchema } from '../access/preview-api-schema.ts';
import { previewFieldsOf, readFieldDirectives } from '../../schema/supergraph/supergraph-directives.ts';

/** What one caller can learn about a field of the served graph. */
export interface CallerSchema {
  /**
   * The field is in the caller's API schema: served (not `@inaccessible`), and not preview
   * unless the caller opted in. A field this says no to is never named to the caller.
   */
  has(coordinate: string): boolean;
  /** Why the caller may not read the field (sign-in, scopes, policy), or null when it may. */
  refusal(coordinate: string): string | null;
}

/**
 * The served supergraph as each caller sees it, for describing products to agents. It
 * decides by the same pieces `/graphql` decides by, loaded from the same supergraph: the API
 * schema Apollo Gateway serves, the preview API schema a caller who has not opted in gets
 * (preview fields and the types only they reach are gone), and {@link FieldAccess} for
 * whether the caller may read a field it can see. Describing from the product descriptors
 * alone would name `@inaccessible` and preview fields the caller's `/graphql` never admits exist.
 */
export class ServedSchema {
  private current: { apiSchema: GraphQLSchema; preview: ReadonlySet<string>; access: FieldAccess } | undefined;

  /** Swaps in a newly loaded supergraph (Apollo Gateway's `onSchemaLoadOrUpdate`). */
  load(supergraph: { apiSchema: GraphQLSchema; coreSupergraphSdl: string }): void {
    const access = new FieldAccess();
    access.load(supergraph.coreSupergraphSdl);
    this.current = { apiSchema: supergraph.apiSchema, preview: previewFieldsOf(readFieldDirectives(supergraph.coreSupergraphSdl)), access };
  }

  /** The caller's view, or undefined while no supergraph is served. */
  forCaller(principal: Principal, previewOptedIn: boolean): CallerSchema | undefined {
    const current = this.current;
    if (!current) return undefined;
    const schema = previewOptedIn ? current.apiSchema : previewApiSchema(current.apiSchema, current.preview).schema;
    return {
      has: (coordinate) => {
        const [typeName, fieldName] = coordinate.split('.') as [string, string];
        const type = schema.getType(typeName);
        return (isObjectType(type) || isInterfaceType(type)) && fieldName in type.getFields();
      },
      refusal: (coordinate) => current.access.refusal(coordinate, principal),
    };
  }
}
