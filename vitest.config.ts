import { defineConfig } from 'vitest/config';

// Tests run on the TypeScript sources: the `@bctkit/source` export condition points every
// workspace package at its `src/index.ts`. Only the scale-out test runs the built `bct` (as
// separate worker processes), so `pnpm test` builds first.
const conditions = ['@bctkit/source', 'import', 'module', 'node', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@bctkit/source'] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'packages',
          include: ['packages/*/src/**/*.test.ts'],
          setupFiles: [
            'tooling/test-utils/src/setup-cpu.ts',
            'packages/tensor-ops/src/testing/setup-kernels.ts',
          ],
        },
      },
      {
        extends: true,
        test: { name: 'tooling', include: ['tooling/**/*.test.ts'] },
      },
      {
        extends: true,
        // Plugin packages in examples/, tested as their authors would: against the conformance
        // suite of @bctkit/losses/test.
        test: {
          name: 'examples',
          include: ['examples/*/src/**/*.test.ts'],
          setupFiles: [
            'tooling/test-utils/src/setup-cpu.ts',
            'packages/tensor-ops/src/testing/setup-kernels.ts',
          ],
        },
      },
      {
        extends: true,
        // The built documentation site in headless Chromium (pnpm test builds it first).
        test: { name: 'docs', include: ['apps/docs/test/**/*.test.ts'] },
      },
    ],
    testTimeout: 60_000,
    server: {
      deps: {
        // tfjs-core's per-file ES modules (its gradient definitions) use extensionless imports
        // that Node cannot load; let Vite transform them, as tsup bundles them for the build.
        inline: [/@tensorflow\/tfjs-core\/dist\/(?!tf-core\.node)/],
      },
    },
    pool: 'forks',
  },
});
