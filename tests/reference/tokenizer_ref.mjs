// tests/reference/tokenizer_ref.mjs: the reference side of the tokenizer parity test and bench:
// Hugging Face's JavaScript tokenizer (@huggingface/tokenizers, installed by tools/install-deps.sh)
// run on a tokenizer.json and its tokenizer_config.json.
//   node tokenizer_ref.mjs run NPM_DIR MODEL_DIR CASES OUT
//     CASES has one case a line: "E HEX" encodes the bytes HEX (read as UTF-8 with U+FFFD, as
//     TextDecoder reads them) without special tokens, "A HEX" the same with them, "D SKIP IDS" decodes
//     comma-separated ids (SKIP 1: skip special tokens). OUT gets one line per case: the ids
//     comma-separated, or the hex of the decoded text's UTF-8.
//   node tokenizer_ref.mjs bench NPM_DIR MODEL_DIR TEXT_FILE
//     encodes every line of TEXT_FILE and prints {"load_s", "encode_s", "encode_cpu_s", "lines", "bytes",
//     "tokens"} (encode_cpu_s: the process's CPU time while encoding, garbage collection included).
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [mode, npmDir, modelDir, ...rest] = process.argv.slice(2);
if (!mode || !npmDir || !modelDir) {
  console.error("usage: tokenizer_ref.mjs run|bench NPM_DIR MODEL_DIR ...");
  process.exit(2);
}
const entry = path.join(npmDir, "node_modules/@huggingface/tokenizers/dist/tokenizers.mjs");
const { Tokenizer } = await import(pathToFileURL(entry).href);

const loadStart = process.hrtime.bigint();
const tokenizerJson = JSON.parse(fs.readFileSync(path.join(modelDir, "tokenizer.json"), "utf8"));
const configPath = path.join(modelDir, "tokenizer_config.json");
const tokenizerConfig = fs.existsSync(configPath) ? JSON.parse(fs.readFileSync(configPath, "utf8")) : {};
const tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
const loadSeconds = Number(process.hrtime.bigint() - loadStart) / 1e9;
const utf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

if (mode === "run") {
  const [casesPath, outPath] = rest;
  const lines = fs.readFileSync(casesPath, "utf8").split("\n");
  const out = [];
  for (const line of lines) {
    if (line === "") continue;
    const kind = line[0];
    if (kind === "E" || kind === "A") {
      const text = utf8.decode(Buffer.from(line.slice(2), "hex"));
      const ids = tokenizer.encode(text, { add_special_tokens: kind === "A" }).ids;
      out.push(ids.join(","));
    } else if (kind === "D") {
      const skip = line[2] === "1";
      const field = line.slice(4);
      const ids = field === "" ? [] : field.split(",").map(Number);
      const text = ids.length === 0 ? "" :
        tokenizer.decode(ids, { skip_special_tokens: skip, clean_up_tokenization_spaces: false });
      out.push(Buffer.from(text, "utf8").toString("hex"));
    } else {
      throw new Error(`bad case line: ${line.slice(0, 40)}`);
    }
  }
  fs.writeFileSync(outPath, out.join("\n") + "\n");
} else if (mode === "bench") {
  const lines = fs.readFileSync(rest[0], "utf8").split("\n");
  let tokens = 0, bytes = 0;
  if (lines.length && lines[lines.length - 1] === "") lines.pop(); // the text's last newline
  const start = process.hrtime.bigint(), cpuStart = process.cpuUsage();
  for (const line of lines) {
    tokens += tokenizer.encode(line, { add_special_tokens: false }).ids.length;
  }
  const encodeSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const encodeCpuSeconds = (cpu.user + cpu.system) / 1e6;
  for (const line of lines) bytes += Buffer.byteLength(line, "utf8");
  console.log(JSON.stringify({ load_s: loadSeconds, encode_s: encodeSeconds, encode_cpu_s: encodeCpuSeconds,
                               lines: lines.length, bytes, tokens }));
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
