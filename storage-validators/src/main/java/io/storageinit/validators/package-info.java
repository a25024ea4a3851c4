/** Validators of downloaded models: checksum manifests, safetensors, GGUF, pickle-based formats. */
package io.storageinit.validators;
