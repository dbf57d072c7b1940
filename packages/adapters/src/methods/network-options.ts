import { z } from 'zod';

/** Training options shared by the network adapters (`mlp`, `fct`). */
export const networkTrainingOptions = {
  /** Hidden width. */
  hidden: z.number().int().positive().max(16384).default(512),
  /** Passes over the fitted rows. */
  epochs: z.number().int().positive().default(40),
  /** Rows per Adam step. */
  batchSize: z.number().int().positive().default(256),
  learningRate: z.number().positive().default(1e-3),
  /** Decoupled weight decay (AdamW). */
  weightDecay: z.number().min(0).default(1e-4),
  /** Seeds the initial weights and the order of the rows. */
  seed: z.number().int().min(0).default(1),
};
