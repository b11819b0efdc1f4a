import { parseArgs } from 'node:util';

/** Flags every benchmark takes, so a quiet machine can run them longer than CI does. */
export interface BenchArgs {
  /** Seconds per measured run of one side. */
  duration: number;
  /** Seconds of unmeasured warm-up per side. */
  warmup: number;
  /** A B rounds; figures are pooled over them. */
  rounds: number;
  connections: number;
  /** meshgate gateway processes (`meshgate serve --workers N`); vanilla always runs one. */
  workers: number;
  /** Start the meshgate side with `--cpu-prof` into this directory. */
  profileDir?: string;
  /** Which request modes to run (`--modes a,b`), when a bench has several; undefined runs them all. */
  modes?: string[];
  /**
   * V8's young generation (`--max-semi-space-size`, MB) for every gateway process of `npm run bench`,
   * meshgate's and vanilla's alike; undefined leaves node's default. A larger one lets a request's
   * garbage die young instead of being promoted while other requests are in flight.
   */
  semiSpaceMb?: number;
  /** Which sides (gateways) to start and measure (`--sides a,b`), when a bench has several; undefined runs them all. */
  sides?: string[];
  /** Which sizes to run (`--sizes 10,50`), when a bench has several; undefined runs its own list. */
  sizes?: number[];
  /**
   * `--quick`: every step once, as briefly as still yields a figure (the defaults below, unless
   * given): what a test or a first look can afford. Its figures are no result.
   */
  quick: boolean;
}

/** What `--quick` runs, where a flag does not say otherwise. */
const QUICK: Partial<BenchArgs> = { duration: 2, warmup: 1, rounds: 1, connections: 10 };

export function readBenchArgs(argv = process.argv.slice(2), defaults: Partial<BenchArgs> = {}): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      connections: { type: 'string' },
      workers: { type: 'string' },
      'profile-dir': { type: 'string' },
      modes: { type: 'string' },
      sides: { type: 'string' },
      'semi-space-mb': { type: 'string' },
      sizes: { type: 'string' },
      quick: { type: 'boolean' },
    },
  });
  const quick = values.quick === true;
  if (quick) defaults = { ...defaults, ...QUICK };
  const number = (name: keyof typeof values, fallback: number) => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new TypeError(`--${name} must be a positive number (got ${JSON.stringify(raw)})`);
    return value;
  };
  return {
    duration: number('duration', defaults.duration ?? 10),
    warmup: number('warmup', defaults.warmup ?? 3),
    rounds: number('rounds', defaults.rounds ?? 2),
    connections: number('connections', defaults.connections ?? 50),
    workers: number('workers', defaults.workers ?? 1),
    profileDir: values['profile-dir'] as string | undefined,
    modes: values.modes === undefined ? undefined : String(values.modes).split(',').filter(Boolean),
    semiSpaceMb: values['semi-space-mb'] === undefined ? undefined : number('semi-space-mb', 0),
    sides: values.sides === undefined ? undefined : String(values.sides).split(',').filter(Boolean),
    sizes:
      values.sizes === undefined
        ? undefined
        : String(values.sizes)
            .split(',')
            .filter(Boolean)
            .map((raw) => {
              const size = Number(raw);
              if (!Number.isInteger(size) || size <= 0) throw new TypeError(`--sizes must list positive whole numbers (got ${JSON.stringify(raw)})`);
              return size;
            }),
    quick,
  };
}

/** The modes of `all` that `args` asks for, in `all`'s order; a mode not in `all` is named in the error. */
export function selectModes<M extends string>(args: BenchArgs, all: readonly M[]): M[] {
  return selectNamed('modes', args.modes, all);
}

/** The sides of `all` that `args` asks for (`--sides`), in `all`'s order; the baseline is always kept. */
export function selectSides<S extends string>(args: BenchArgs, all: readonly S[], baseline: S): S[] {
  return selectNamed('sides', args.sides && [...args.sides, baseline], all);
}

function selectNamed<N extends string>(flag: string, asked: string[] | undefined, all: readonly N[]): N[] {
  if (!asked) return [...all];
  const unknown = asked.filter((name) => !all.includes(name as N));
  if (unknown.length > 0) throw new TypeError(`--${flag}: unknown ${unknown.map((m) => JSON.stringify(m)).join(', ')} (expected some of ${all.join(', ')})`);
  return all.filter((name) => asked.includes(name));
}
