// `npm run build` and `npm pack`'s prepack: tsc with the build's config (and any flags given),
// then the serve path bundled from tsc's output, then the stamp that tells the bin this dist/
// is the sources as they were when it started.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { BUILD_STAMP } from './compiled-build.js';
import { bundleServePath, removeServeBundle } from './serve-bundle.js';

const root = join(import.meta.dirname, '..');
const started = Date.now();
// A bundle is never left beside a newer build: whatever fails below, the modules run one by one.
rmSync(join(root, 'dist', BUILD_STAMP), { force: true });
removeServeBundle(join(root, 'dist'));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
await bundleServePath(join(root, 'dist'));
writeFileSync(join(root, 'dist', BUILD_STAMP), String(started));
