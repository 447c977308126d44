// Checks Kubernetes manifests against the JSON schemas of the API objects:
// kubernetes-models (the Kubernetes API), @kubernetes-models/keda and
// @kubernetes-models/prometheus-operator (their custom resources).
//
//   node deploy/tools/validate.mjs FILE...   (- reads standard input, e.g. `kustomize build DIR | ... -`)
//
// Prints one line per object; exits 1 when any object is invalid, is of a
// kind without a schema here, or a document is not YAML; 2 on bad usage.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

// apiVersion/kind -> module: the core group's objects are "v1/Kind".
const packages = ["kubernetes-models", "@kubernetes-models/keda", "@kubernetes-models/prometheus-operator"];

async function modelFor(apiVersion, kind) {
  for (const name of packages) {
    try {
      const module = await import(`${name}/${apiVersion}/${kind}`);
      if (module[kind]) return module[kind];
    } catch (error) {
      if (error.code !== "ERR_PACKAGE_PATH_NOT_EXPORTED" && error.code !== "ERR_MODULE_NOT_FOUND") throw error;
    }
  }
  return null;
}

async function check(object) {
  const { apiVersion, kind } = object ?? {};
  if (typeof apiVersion !== "string" || typeof kind !== "string") return "no apiVersion or kind";
  if (!/^[A-Za-z0-9.\-/]+$/.test(apiVersion) || !/^[A-Za-z0-9]+$/.test(kind)) return "odd apiVersion or kind";
  const Model = await modelFor(apiVersion, kind);
  if (!Model) return `no schema for ${apiVersion} ${kind}`;
  try {
    new Model(object).validate();
    return null;
  } catch (error) {
    return error.message;
  }
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node deploy/tools/validate.mjs FILE... (- for standard input)");
  process.exit(2);
}
let failures = 0;
let objects = 0;
for (const file of files) {
  const text = readFileSync(file === "-" ? 0 : file, "utf8");
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) {
      console.log(`${file}: not YAML: ${document.errors[0].message}`);
      failures += 1;
      continue;
    }
    const object = document.toJS();
    if (object === null) continue;
    objects += 1;
    const name = `${object?.kind ?? "?"} ${object?.metadata?.name ?? "?"}`;
    const problem = await check(object);
    if (problem) {
      failures += 1;
      console.log(`${file}: ${name}: INVALID: ${problem}`);
    } else {
      console.log(`${file}: ${name}: valid`);
    }
  }
}
if (objects === 0) {
  console.log("no objects");
  failures += 1;
}
console.log(`${objects} objects, ${failures} invalid`);
process.exit(failures > 0 ? 1 : 0);
