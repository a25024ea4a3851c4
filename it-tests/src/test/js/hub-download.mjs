// Downloads every file of a model repository with the official Hugging Face JS client
// (@huggingface/hub: listFiles, then downloadFile per file) into a folder, as a Node user would.
//   node hub-download.mjs HUB_URL OWNER/MODEL REVISION OUT_DIR     (HF_TOKEN from the environment)
import { listFiles, downloadFile } from "@huggingface/hub";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

const [hubUrl, name, revision, out] = process.argv.slice(2);
const repo = { type: "model", name };
const credentials = process.env.HF_TOKEN ? { accessToken: process.env.HF_TOKEN } : {};
let count = 0;
for await (const entry of listFiles({ repo, recursive: true, revision, hubUrl, ...credentials })) {
  if (entry.type !== "file") continue;
  const blob = await downloadFile({ repo, path: entry.path, revision, hubUrl, xet: false, ...credentials });
  if (blob === null) throw new Error(`the client found no ${entry.path}`);
  const target = join(out, entry.path);
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, Buffer.from(await blob.arrayBuffer()));
  count++;
}
console.log(`${count} files`);
