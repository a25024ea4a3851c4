/**
 * The ModelScope provider: modelscope://owner/model[:revision], every file checked against its
 * SHA-256.
 */
package io.storageinit.modelscope;
