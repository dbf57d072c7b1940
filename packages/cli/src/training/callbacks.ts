import { appendFile } from 'node:fs/promises';
import { TensorBoardWriter } from './tensorboard.js';

/** What the trainer reports after each step. */
export interface StepReport {
  readonly step: number;
  readonly totalSteps: number;
  readonly epoch: number;
  readonly loss: number;
  readonly learningRate: number;
  readonly gradientNorm: number;
  readonly imagesPerSecond: number;
}

/**
 * Something that follows a run: the trainer awaits `onStep` after every step and `onCheckpoint`
 * after every checkpoint, in the order the callbacks were given. `bct train` composes the JSONL
 * log, TensorBoard events and its progress line from these; a library user adds their own
 * (early stopping through an `AbortSignal`, metrics of their own, ...).
 */
export interface TrainCallback {
  onStep?(report: StepReport): void | Promise<void>;
  /** After a checkpoint of `step` was written (the run can be resumed from it). */
  onCheckpoint?(step: number): void | Promise<void>;
}

/**
 * Appends each step's report with its time to a JSON-lines file (`train.jsonl` of a run): one
 * object per line, `{ time, step, totalSteps, epoch, loss, learningRate, gradientNorm,
 * imagesPerSecond }`.
 */
export function jsonLinesLog(file: string): TrainCallback {
  return {
    onStep: (report) =>
      appendFile(file, `${JSON.stringify({ time: new Date().toISOString(), ...report })}\n`),
  };
}

/**
 * Writes each step's loss, learning rate, gradient norm and speed as TensorBoard scalars into
 * `directory` (one event file per run invocation).
 */
export function tensorBoardLog(directory: string): TrainCallback {
  const writer = new TensorBoardWriter(directory);
  return {
    onStep: (report) =>
      writer.scalars(report.step, {
        loss: report.loss,
        learning_rate: report.learningRate,
        gradient_norm: report.gradientNorm,
        images_per_second: report.imagesPerSecond,
      }),
  };
}
