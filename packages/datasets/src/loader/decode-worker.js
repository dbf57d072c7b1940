// Worker thread of the loader's decode pool: processes one slice of a batch per message.
import { parentPort } from 'node:worker_threads';
import { processImages } from './image-transform.js';

parentPort.on('message', ({ id, items, height, width, channels }) => {
  try {
    const out = processImages(items, height, width, channels);
    parentPort.postMessage({ id, out }, [out.buffer]);
  } catch (failure) {
    parentPort.postMessage({
      id,
      failure: { item: failure.item ?? -1, message: failure.message ?? String(failure) },
    });
  }
});
