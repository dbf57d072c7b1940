// Builds the native kernels if this machine can: a C compiler, Node's headers and OpenBLAS's
// (Debian: apt-get install libopenblas-dev); with oneDNN's headers too (libdnnl-dev), the
// convolutions use oneDNN (binding.gyp looks for them; BCTKIT_BUILD_ONEDNN=0 leaves it out). The
// install never fails: without a build the package records why, and bctkit keeps its JavaScript
// kernels.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildAddon } from '@bctkit/native-build';

buildAddon({
  packageRoot: join(import.meta.dirname, '..'),
  name: '@bctkit/tensor-ops-native',
  built:
    existsSync('/usr/include/oneapi/dnnl/dnnl.h') && process.env.BCTKIT_BUILD_ONEDNN !== '0'
      ? 'native kernels built (OpenBLAS, oneDNN convolutions)'
      : 'native kernels built (OpenBLAS; apt-get install libdnnl-dev for oneDNN convolutions)',
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
