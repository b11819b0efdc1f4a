/** The query every gateway runs in the public federation benchmark (its k6 script). */
export const FEDERATION_QUERY = /* GraphQL */ `
  fragment User on User { id username name }
  fragment Review on Review { id body }
  fragment Product on Product { inStock name price shippingEstimate upc weight }
  query TestQuery {
    users {
      ...User
      reviews {
        ...Review
        product {
          ...Product
          reviews { ...Review author { ...User reviews { ...Review product { ...Product } } } }
        }
      }
    }
    topProducts {
      ...Product
      reviews { ...Review author { ...User reviews { ...Review product { ...Product } } } }
    }
  }
`;

/**
 * The same query with one variable, `$first` on `topProducts`, so that every request can
 * carry a value of its own and no two are alike. The subgraph has nine products: every
 * value from 9 up answers all nine (the fixed query gets the default five, so these answers
 * are larger), the same answer for every request, while each request and its `products`
 * fetch is its own: nothing can be coalesced or kept for the next.
 */
export const FEDERATION_QUERY_WITH_VARIABLE = withFirstVariable(FEDERATION_QUERY);

/** The smallest `$first` that asks for every product the subgraph has. */
export const FIRST_PRODUCTS = 9;

function withFirstVariable(query: string): string {
  const edited = query.replace('query TestQuery {', 'query TestQuery($first: Int) {').replace(/\btopProducts \{/, 'topProducts(first: $first) {');
  if (!edited.includes('($first: Int)') || !edited.includes('topProducts(first: $first)')) throw new Error('the federation query no longer has the shape the variable is added to');
  return edited;
}
