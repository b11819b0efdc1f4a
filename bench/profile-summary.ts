import { readFileSync } from 'node:fs';

/**
 * `node --import tsx bench/profile-summary.ts FILE.cpuprofile [top]`: self time of a V8 CPU
 * profile (from `npm run bench -- --profile-dir DIR`) by package and by function, so
 * RESULTS.md can say where the time goes without opening DevTools.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new TypeError('usage: profile-summary FILE.cpuprofile [top]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfMs = new Map<number, number>();
for (const [i, id] of profile.samples.entries()) selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);

const packageOf = (url: string) => {
  if (!url) return '(native/v8)';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1]!;
  if (url.startsWith('node:')) return url;
  return url.includes('/gateway/') ? 'meshgate' : url.replace(/^.*\/(bench|subgraphs)\//, '$1/');
};
const byPackage = new Map<string, number>();
const byFunction = new Map<string, number>();
let total = 0;
for (const [id, ms] of selfMs) {
  const node = byId.get(id)!;
  const { functionName, url, lineNumber } = node.callFrame;
  total += ms;
  if (functionName === '(idle)' || functionName === '(program)') continue;
  const pkg = functionName === '(garbage collector)' ? '(gc)' : packageOf(url);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + ms);
  const key = `${functionName || '(anonymous)'} ${pkg}:${lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + ms);
}
const busy = [...byPackage.values()].reduce((a, b) => a + b, 0);
const print = (title: string, map: Map<string, number>) => {
  console.log(`\n${title} (share of ${busy.toFixed(0)} ms busy of ${total.toFixed(0)} ms)`);
  for (const [key, ms] of [...map].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg ?? 25))) console.log(`${((ms / busy) * 100).toFixed(1).padStart(5)}%  ${key}`);
};
print('self time by package', byPackage);
print('self time by function', byFunction);
