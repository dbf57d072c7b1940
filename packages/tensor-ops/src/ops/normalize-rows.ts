/**
 * An L2-normalised copy of each row of `data` (`cols` wide), in float32 as the rows are; zero
 * rows stay zero (callers that must refuse them check first).
 */
export function normalizeRows(data: Float32Array, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let offset = 0; offset < data.length; offset += cols) {
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += data[offset + j]! * data[offset + j]!;
    const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
    for (let j = 0; j < cols; j++) out[offset + j] = data[offset + j]! * scale;
  }
  return out;
}
