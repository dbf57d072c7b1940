export { BctkitError, type BctkitErrorOptions } from './bctkit-error.js';
export {
  BackendUnavailableError,
  DatasetFormatError,
  type DatasetFormatErrorOptions,
  DuplicateComponentError,
  FileSystemError,
  IndexOutOfRangeError,
  InvalidConfigError,
  type InvalidConfigErrorOptions,
  OutputExistsError,
  ShapeMismatchError,
  TrainingDivergedError,
  UnknownComponentError,
} from './errors.js';
export { failureReason, findSystemError, type SystemError } from './system-errors.js';
