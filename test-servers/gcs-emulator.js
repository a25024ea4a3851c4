// Starts Google's Cloud Storage emulator (from firebase-tools) on 127.0.0.1:<port>, without the
// Firebase rules runtime (which wants a newer Java and a download): the JSON API the storage
// initializer reads needs no rules. Prints "ready" on stdout once it listens.
//
//   node gcs-emulator.js <port>
"use strict";
const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error("usage: node gcs-emulator.js <port>");
  process.exit(2);
}
const { StorageEmulator } = require("firebase-tools/lib/emulator/storage");
const { StorageRulesRuntime } = require("firebase-tools/lib/emulator/storage/rules/runtime");
const { EmulatorRegistry } = require("firebase-tools/lib/emulator/registry");

StorageRulesRuntime.prototype.start = async function () {};
StorageRulesRuntime.prototype.stop = async function () {};
const noRules = { start: async () => {}, stop: async () => {}, getRuleset: () => undefined };
StorageEmulator.prototype.createRulesManager = function () {
  return noRules;
};

const emulator = new StorageEmulator({
  projectId: "storage-initializer-test",
  host: "127.0.0.1",
  port,
  auto_download: false,
});
EmulatorRegistry.start(emulator).then(
  () => console.log("ready"),
  (e) => {
    console.error("the emulator did not start: " + (e && e.stack ? e.stack : e));
    process.exit(1);
  },
);
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => process.exit(0));
}
