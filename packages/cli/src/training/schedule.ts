import { z } from 'zod';

/** Learning-rate schedules of the MixBCT experiments. */
export const scheduleSchema = z.discriminatedUnion('type', [
  z.strictObject({
    /** arcface_torch's PolyScheduler: linear warm-up, then `base * (1 - t)^power`. */
    type: z.literal('poly'),
    power: z.number().positive().default(2),
    warmupEpochs: z.number().min(0).default(0),
  }),
  z.strictObject({
    /** Step decay (UniBCT): multiply by `gamma` after each milestone epoch. */
    type: z.literal('step'),
    milestones: z.array(z.number().int().min(0)).default([20, 26, 32]),
    gamma: z.number().positive().default(0.1),
  }),
]);
export type Schedule = z.output<typeof scheduleSchema>;

/**
 * The learning rate at a step.
 * @param step 0-based optimiser step; @param stepsPerEpoch steps in an epoch; @param epochs total.
 */
export function learningRateAt(
  schedule: Schedule,
  base: number,
  step: number,
  stepsPerEpoch: number,
  epochs: number,
): number {
  if (schedule.type === 'step') {
    const epoch = Math.floor(step / stepsPerEpoch);
    const passed = schedule.milestones.filter((milestone) => epoch >= milestone).length;
    return base * schedule.gamma ** passed;
  }
  const total = stepsPerEpoch * epochs;
  const warmup = Math.round(schedule.warmupEpochs * stepsPerEpoch);
  if (step < warmup) return (base * step) / warmup;
  const progress = (step - warmup) / Math.max(1, total - warmup);
  return base * Math.max(0, 1 - progress) ** schedule.power;
}
