import { BctkitError } from '@bctkit/tensor-ops';

/** A queued shard failed on every attempt; the message carries its last reason. */
export class ShardFailedError extends BctkitError {
  constructor(
    /** The stage, e.g. `extract`. */
    readonly stage: string,
    readonly shard: number,
    readonly of: number,
    /** Why its last attempt failed, as the worker reported it. */
    readonly reason: string,
    attempts: number,
  ) {
    super(
      'SHARD_FAILED',
      `${stage} shard ${shard}/${of} failed after ${attempts} attempt(s): ${reason}\n(fix the cause and run the same bct queue command again: finished shards are kept)`,
    );
  }
}
