/**
 * The Azure provider: Blob containers and File shares by their account URLs, with SharedKey, SAS,
 * Azure AD (through Azure's identity library) or no credentials.
 */
package io.storageinit.azure;
