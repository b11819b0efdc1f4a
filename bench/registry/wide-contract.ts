import { inc } from 'semver';

/** A product's contract as a registry takes it. */
export interface Contract {
  product: string;
  descriptor: string;
  sdl: string;
}

/**
 * A minor release of `base` with `types` new object types of `fieldsPerType` documented Int
 * fields each, every one classified public and reachable from Query: a contract every rule
 * accepts, as large as asked, for measuring (bench/registry) and for holding the registry to
 * its limits (test/security/registry-limits.test.ts).
 */
export function wideContract(base: Contract, version: string, types: number, fieldsPerType: number): Contract {
  const sdl: string[] = [base.sdl];
  const classified: string[] = [];
  for (let t = 0; t < types; t++) {
    const fields = Array.from({ length: fieldsPerType }, (_, i) => `  "Measure ${i}."\n  m${i}: Int`).join('\n');
    sdl.push(`"Wide probe ${t}."\ntype WideProbe${t} {\n${fields}\n}\nextend type Query {\n  "Wide probe ${t}."\n  wideProbe${t}: WideProbe${t}\n}`);
    classified.push(`  Query.wideProbe${t}: { classification: public }\n`);
    for (let i = 0; i < fieldsPerType; i++) classified.push(`  WideProbe${t}.m${i}: { classification: public }\n`);
  }
  return {
    product: base.product,
    descriptor: base.descriptor.replace(`version: ${version}`, `version: ${inc(version, 'minor')}`).replace(/^fields:\n/m, `fields:\n${classified.join('')}`),
    sdl: `${sdl.join('\n')}\n`,
  };
}
