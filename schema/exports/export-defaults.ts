// The exports' defaults, apart from the exports themselves: `meshgate --help` prints them
// without loading a format.

/** The gateway `npm start` serves: the `api` server an ODCS export names unless told another. */
export const LOCAL_GATEWAY_URL = 'http://localhost:4000/graphql';

/** Where the mesh is served when no other base URL is given, for the URLs catalog files point at. */
export const DEFAULT_GATEWAY_URL = 'http://localhost:4000';

/** Dataset and job namespace of OpenLineage events when none is configured. */
export const DEFAULT_LINEAGE_NAMESPACE = 'meshgate';
