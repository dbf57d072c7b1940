import { type CliIo, processIo } from './io.js';

/**
 * When `bct worker` runs this process as a shard (`BCT_SHARD_CHILD=1` with an IPC channel), an
 * io that sends progress to the worker, and an exit as soon as the worker goes away, so a killed
 * worker leaves no orphan computing a shard that is already being retried elsewhere.
 * Otherwise the plain process io.
 */
export function shardChildIo(): CliIo {
  if (process.env.BCT_SHARD_CHILD !== '1' || process.send === undefined) return processIo;
  // The channel must not keep the process alive once the command is done.
  process.channel?.unref();
  process.on('disconnect', () => process.exit(1));
  const send = process.send.bind(process);
  return {
    ...processIo,
    progress: (label, done, total) => {
      if (process.connected) send({ type: 'progress', label, done, total });
    },
  };
}
