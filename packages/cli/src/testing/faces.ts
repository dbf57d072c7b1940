import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root. */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/**
 * The real face data (`lfw/`, `orl/`; see `../shared/data/faces/README.md`): `BCTKIT_FACES`, else
 * `../shared/data/faces` beside the repository, else undefined. With `BCTKIT_EXPECT_FACES=1` (CI,
 * which has the data) its absence is an error, so face tests cannot be skipped unnoticed.
 */
export function findFaces(): string | undefined {
  const directory =
    process.env.BCTKIT_FACES ?? join(REPOSITORY_ROOT, '..', 'shared', 'data', 'faces');
  if (existsSync(join(directory, 'lfw', 'images_aligned_112x112.tar'))) return directory;
  if (process.env.BCTKIT_EXPECT_FACES === '1')
    throw new Error(
      `BCTKIT_EXPECT_FACES=1 but ${directory} holds no lfw/images_aligned_112x112.tar`,
    );
  return undefined;
}

/** Why face tests are skipped, for the skip message. */
export const FACES_SKIP_REASON =
  'real face data not found (set BCTKIT_FACES, or put it in ../shared/data/faces): face tests skipped';
