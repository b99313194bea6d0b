import { defineConfig } from 'vitest/config';

// Projects: unit (pure, fast), fuzz (property tests over >=100k inputs), integration (real Docker, real TLS, real
// databases), faults (the fault suite: crashes, outages, full disks, bad settings; `npm run test:faults`) and
// security (authorization matrix, front-door fuzzing; `npm run test:security`). `npm test` runs those five; `long`
// (`npm run test:long`, on demand, not in CI) holds the suites that prove a whole script end to end and take long.
// Sources resolve through the `verge-source` export condition, so tests need no build.
const resolve = { conditions: ['verge-source'] };
// On demand only (`npm run test:long`), kept out of `npm test` for CI's time budget: the soak script's own
// end-to-end run (`npm run soak` is itself on demand) and the MQTT front-door fuzzer (20 s per server by default,
// `VERGE_FUZZ_SECONDS` for longer), and the demo's Docker variant (`npm run demo` with container modules; the
// process-module demo test stays in CI).
const LONG = ['test/faults/soak-smoke.test.ts', 'test/security/mqtt-front-door-fuzz.test.ts', 'test/e2e/demo-script-docker.test.ts'];
const ssr = { resolve: { conditions: ['verge-source'], externalConditions: ['verge-source'] } };

// Scheduling (CI's 20-minute budget on 2 cores): the pure `unit` and `fuzz` files run first, two at a time
// (`maxWorkers: 2`; vitest's default on 2 cores is one); then `integration`, `faults`, `security` and `long`, each
// its own group (`sequence.groupOrder`) with one file at a time, so the suites that start real servers, engines and
// SDK clients never share the machine with another file.
export default defineConfig({
  test: {
    maxWorkers: 2,
    projects: [
      // `unit` files share their worker's module graph (isolate: false): they are pure and restore what they change
      // (env, fake timers), and importing the sources afresh for each of ~210 files cost ~4/5 of the project's time
      // (measured: 258 s isolated vs 55 s not, 2 cores; unit + fuzz 512 s vs 306 s, also with --sequence.shuffle).
      // A unit file that needs a fresh module graph belongs in another project.
      { resolve, ssr, test: { name: 'unit', include: ['{packages,apps}/*/test/unit/**/*.test.ts'], isolate: false, sequence: { groupOrder: 0 } } },
      {
        resolve,
        ssr,
        test: { name: 'fuzz', include: ['{packages,apps}/*/test/fuzz/**/*.test.ts'], testTimeout: 120_000, sequence: { groupOrder: 0 } },
      },
      {
        resolve,
        ssr,
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          include: ['{packages,apps}/*/test/integration/**/*.test.ts', '{packages,apps}/*/test/contract/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          exclude: LONG,
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        resolve,
        ssr,
        test: {
          name: 'faults',
          sequence: { groupOrder: 2 },
          include: ['test/faults/**/*.test.ts'],
          exclude: LONG,
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      { resolve, ssr, test: { name: 'long', sequence: { groupOrder: 4 }, include: LONG, testTimeout: 600_000, hookTimeout: 300_000, fileParallelism: false } },
      {
        resolve,
        ssr,
        test: { name: 'security', sequence: { groupOrder: 3 }, include: ['test/security/**/*.test.ts'], exclude: LONG, testTimeout: 180_000, hookTimeout: 300_000, fileParallelism: false },
      },
    ],
  },
});
