// Builds the native kernels if this machine can: a C compiler, Node's headers and OpenBLAS's
// (Debian: apt-get install libopenblas-dev). The install never fails: without a build the
// package records why, and bctkit keeps its JavaScript kernels.
import { join } from 'node:path';
import { buildAddon } from '@bctkit/native-build';

buildAddon({
  packageRoot: join(import.meta.dirname, '..'),
  name: '@bctkit/tensor-ops-native',
  built: 'native kernels built (OpenBLAS)',
  fallback: 'bctkit keeps its JavaScript kernels',
  causes: [
    [
      /cblas\.h: No such file/,
      'OpenBLAS headers not found (Debian/Ubuntu: apt-get install libopenblas-dev)',
    ],
    [
      /cannot find -lopenblas/,
      'the OpenBLAS library was not found (Debian/Ubuntu: apt-get install libopenblas-dev)',
    ],
  ],
});
