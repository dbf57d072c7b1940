export { BctkitError, type BctkitErrorOptions } from './bctkit-error.js';
export {
  BackendUnavailableError,
  DatasetFormatError,
  DuplicateComponentError,
  IndexOutOfRangeError,
  InvalidConfigError,
  type InvalidConfigErrorOptions,
  ShapeMismatchError,
  UnknownComponentError,
} from './errors.js';
