// Worker thread of the loader's decode pool: processes one slice of a batch per message.
import { parentPort } from 'node:worker_threads';
import { processImages } from './image-transform.js';

// `buffer` is the batch's shared memory; this worker writes its slice, starting at `offset` floats.
parentPort.on('message', ({ id, items, height, width, channels, buffer, offset, convert }) => {
  try {
    processImages(
      items,
      height,
      width,
      channels,
      new Float32Array(buffer, offset * 4, items.length * height * width * channels),
      convert,
    );
    parentPort.postMessage({ id });
  } catch (failure) {
    parentPort.postMessage({
      id,
      failure: { item: failure.item ?? -1, message: failure.message ?? String(failure) },
    });
  }
});
