/** The Hugging Face Hub provider: hf://owner/model[:revision] at one commit, every file checked. */
package io.storageinit.hf;
