import type { ListQuery } from '../product/descriptor.ts';
import { finding, type Finding } from './finding.ts';
import type { ValidProduct } from './mesh.ts';
import { isPublishedField, type FieldModel } from '../product/subgraph-model.ts';

/** How a type's rows are read through its list query, resolved against the product's SDL. */
export interface ListPlan {
  typeName: string;
  list: ListQuery;
  /** `Query.orders(first: …)` answers a connection (`edges { node }`), else a plain list. */
  connection: boolean;
  hasTotalCount: boolean;
  /** The GraphQL type of each argument the descriptor passes, by name, e.g. `OrderFilter`. */
  argumentTypes: Map<string, string>;
  /** The fields the rules read, with a sub-selection for object-typed ones. */
  selections: string[];
}

/** A rule the product's interface cannot answer, at its descriptor path. */
export interface QualityPlanProblem {
  path: string;
  message: string;
}

export interface QualityPlan {
  lists: Map<string, ListPlan>;
  problems: QualityPlanProblem[];
}

/** A field as the rules read it: object-typed fields by their presence alone. */
function selectionOf(field: FieldModel, product: ValidProduct): string {
  const kind = product.model.types.get(field.returnType)?.kind;
  return kind === 'object' || kind === 'interface' || kind === 'union' ? `${field.name} { __typename }` : field.name;
}

/**
 * Resolves a descriptor's quality rules against the product's own SDL: each declared list
 * query must be a published `Query` field answering a list or connection of its type, with
 * the arguments given; each field rule must name a published field. `meshgate check` reports
 * the problems as lint findings, and `meshgate test` refuses to run with any of them.
 */
export function planQualityRules(product: ValidProduct): QualityPlan {
  const { descriptor, model } = product;
  const problems: QualityPlanProblem[] = [];
  const lists = new Map<string, ListPlan>();
  const query = model.types.get('Query');
  for (const [typeName, contract] of Object.entries(descriptor.types)) {
    if (!model.types.has(typeName)) problems.push({ path: `types.${typeName}`, message: `${product.name} has no type ${typeName}` });
    if (!contract.list) continue;
    const path = `types.${typeName}.list`;
    const field = query?.fields.get(contract.list.query);
    if (!query || !field || !isPublishedField(query, field)) {
      problems.push({ path: `${path}.query`, message: `Query.${contract.list.query} is not a published field of ${product.name}` });
      continue;
    }
    const returned = model.types.get(field.returnType);
    const edges = returned?.fields.get('edges');
    const node = edges ? model.types.get(edges.returnType)?.fields.get('node') : undefined;
    const listed = node ? node.returnType : field.typeRef.replace(/!$/, '').startsWith('[') ? field.returnType : undefined;
    if (listed !== typeName) {
      problems.push({ path: `${path}.query`, message: `Query.${field.name} returns ${field.typeRef}, not a list or connection of ${typeName}` });
      continue;
    }
    const argumentTypes = new Map<string, string>();
    for (const name of Object.keys(contract.list.arguments ?? {})) {
      const argument = field.args.find((candidate) => candidate.name === name);
      if (argument) argumentTypes.set(name, argument.typeRef);
      else problems.push({ path: `${path}.arguments.${name}`, message: `Query.${field.name} has no argument ${name}` });
    }
    lists.set(typeName, { typeName, list: contract.list, connection: node !== undefined, hasTotalCount: returned?.fields.has('totalCount') ?? false, argumentTypes, selections: [] });
  }
  for (const [coordinate, policy] of Object.entries(descriptor.fields)) {
    if (!policy.quality) continue;
    const [typeName, fieldName] = coordinate.split('.') as [string, string];
    const type = model.types.get(typeName);
    const field = type?.fields.get(fieldName);
    const path = `fields.${coordinate}.quality`;
    if (!type || !field || !isPublishedField(type, field)) problems.push({ path, message: `${coordinate} is not a published field of ${product.name}` });
    else if (field.args.some((argument) => argument.typeRef.endsWith('!'))) problems.push({ path, message: `${coordinate} takes required arguments; rules read fields without arguments` });
    else lists.get(typeName)?.selections.push(selectionOf(field, product));
  }
  return { lists, problems };
}

/** `meshgate check`: quality rules the product's interface cannot answer. */
export function lintQualityRules(product: ValidProduct): Finding[] {
  const file = `subgraphs/${product.folder}/product.yaml`;
  return planQualityRules(product).problems.map((problem) =>
    finding(product.name, problem.path, 'lint/quality-rule', `${problem.path}: ${problem.message}`, `Fix ${problem.path} in ${file} so that it names what ${product.name}'s schema.graphql publishes.`),
  );
}
