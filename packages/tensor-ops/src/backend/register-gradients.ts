let registered: Promise<void> | undefined;

/**
 * Registers tfjs's gradient functions, which training needs and `@tensorflow/tfjs-core` alone
 * does not register in Node: its Node build has none, and its per-file ES modules cannot be
 * imported by Node directly. (The `@tensorflow/tfjs` union package registers them too; loading
 * both is harmless.) bctkit bundles tfjs-core's own gradient definitions into a chunk that this
 * loads once; they register into the global registry shared by every copy of tfjs-core.
 *
 * {@link useBackend} calls this; call it yourself only if you choose backends with `tf.setBackend`.
 */
export function registerGradients(): Promise<void> {
  registered ??= import('@tensorflow/tfjs-core/dist/register_all_gradients').then(() => undefined);
  return registered;
}
