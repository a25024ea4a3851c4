// The Hugging Face JS client's snapshot download (@huggingface/hub snapshotDownload), as a Node user
// would fetch a model: node bench/hf-snapshot.mjs HUB_URL OWNER/MODEL CACHE_DIR
// (the package comes from it-tests/src/test/js, where .ci/run installs it).
import { createRequire } from "node:module";
const require = createRequire(new URL("../it-tests/src/test/js/package.json", import.meta.url));
const { snapshotDownload } = await import(require.resolve("@huggingface/hub"));
const [hubUrl, name, cacheDir] = process.argv.slice(2);
const path = await snapshotDownload({ repo: { type: "model", name }, cacheDir, hubUrl });
console.log(path);
