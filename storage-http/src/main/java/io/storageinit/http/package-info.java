/** The HTTP(S) provider: one file per URL, KServe's Content-Type rules, ranged parallel reads. */
package io.storageinit.http;
