/**
 * The Google Cloud Storage provider: gs://bucket/path over the JSON API, with Application Default
 * Credentials, every range of a file pinned to one generation and every object checked.
 */
package io.storageinit.gcs;
