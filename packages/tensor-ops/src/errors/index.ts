export { BctkitError, type BctkitErrorOptions } from './bctkit-error.js';
export {
  BackendUnavailableError,
  DatasetFormatError,
  type DatasetFormatErrorOptions,
  DuplicateComponentError,
  IndexOutOfRangeError,
  InvalidConfigError,
  type InvalidConfigErrorOptions,
  ShapeMismatchError,
  UnknownComponentError,
} from './errors.js';
