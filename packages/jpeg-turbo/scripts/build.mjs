// Builds the native decoder if this machine can (a C compiler, Node's headers and libjpeg's
// headers, e.g. Debian's libjpeg62-turbo-dev). It never fails the install: without a build,
// @bctkit/jpeg-turbo reports why, and bctkit decodes JPEG in JavaScript instead.
import { join } from 'node:path';
import { buildAddon } from '@bctkit/native-build';

buildAddon({
  packageRoot: join(import.meta.dirname, '..'),
  name: '@bctkit/jpeg-turbo',
  built: 'native decoder built',
  fallback: 'bctkit will decode JPEG in JavaScript',
  causes: [
    [
      /jpeglib\.h: No such file/,
      'libjpeg headers not found (Debian/Ubuntu: apt-get install libjpeg62-turbo-dev)',
    ],
  ],
});
