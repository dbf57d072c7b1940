import type { ComponentSpec } from '@bctkit/tensor-ops';
import type { z } from 'zod';

/** An image as a source provides it: still encoded (JPEG/PNG bytes), or raw pixels. */
export type SampleImage =
  | { readonly kind: 'encoded'; readonly bytes: Uint8Array }
  | {
      readonly kind: 'pixels';
      /** Row-major `[height, width, channels]` bytes. */
      readonly data: Uint8Array;
      readonly height: number;
      readonly width: number;
      readonly channels: 1 | 3;
    };

/** One item of a dataset. */
export interface Sample {
  /** Dataset index, 0-based and stable: old-model features are looked up by it. */
  readonly index: number;
  /** Class label in [0, numClasses). */
  readonly label: number;
  readonly image: SampleImage;
}

/**
 * A dataset behind one interface, whatever its storage: random access by index, and every label
 * at once (for splits, class statistics and samplers).
 */
export interface DatasetSource {
  /** The registered source type that opened it, e.g. `rec`. */
  readonly type: string;
  /** Number of images. */
  readonly size: number;
  /** Number of classes; labels are in [0, numClasses). */
  readonly numClasses: number;
  /** Reads the sample at `index`. @throws DatasetFormatError for unreadable data. */
  read(index: number): Promise<Sample>;
  /** The label of every image, in index order. */
  labels(): Promise<Int32Array>;
  /** Releases files. */
  close(): Promise<void>;
  /**
   * Where the image at `index` is stored, when the source knows (file, record key, byte offset),
   * so errors about its content can name them.
   */
  locate?(index: number): ImageLocation;
}

/** Where an image is stored, for error messages. */
export interface ImageLocation {
  readonly file: string;
  readonly record?: number;
  readonly offset?: number;
}

/** A registered kind of dataset source. Define one with {@link defineSource}. */
export interface SourceSpec<Config extends { type: string } = { type: string }>
  extends ComponentSpec<Config> {
  /** Opens the source described by a parsed config. */
  open(config: Config): Promise<DatasetSource>;
}

/**
 * Defines a dataset source: `open` receives the config as its schema parses it (defaults filled
 * in), typed from the schema.
 */
export function defineSource<Schema extends z.ZodType<{ type: string }>>(
  spec: SourceSpec<z.output<Schema>> & { readonly configSchema: Schema },
): SourceSpec {
  return spec;
}
