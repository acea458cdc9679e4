export * from './errors.js';
export * from './aws-settings.js';
export * from './s3-uri.js';
export * from './s3-reader.js';
export * from './s3-writer.js';
export * from './s3-location.js';
