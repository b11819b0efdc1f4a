import type { GraphQLResponse } from '@apollo/server';

/** How graphql-js appends suggestions to a message: ` Did you mean "a", "b", or "c"?`. */
const SUGGESTION = / ?Did you mean(.+?)\?$/;

/**
 * A suggestion names members of the schema: where the caller may not read the schema (no
 * introspection) or some of its names (preview fields), it is introspection one guess at a time.
 * Removes the "Did you mean …?" of every error in the response: all of them, or with
 * `naming`, those that name any of these names (the whole suggestion goes, not the one
 * name, so what is left cannot be read against what was there).
 */
export function stripSuggestions(response: GraphQLResponse, naming?: ReadonlySet<string>): void {
  if (response.body.kind !== 'single') return;
  const { errors } = response.body.singleResult;
  if (!errors?.some((error) => SUGGESTION.test(error.message))) return;
  response.body.singleResult.errors = errors.map((error) => {
    const suggestion = SUGGESTION.exec(error.message);
    if (!suggestion) return error;
    if (naming && ![...suggestion[1]!.matchAll(/"([^"]+)"/g)].some(([, name]) => naming.has(name!))) return error;
    return { ...error, message: error.message.slice(0, suggestion.index) };
  });
}
