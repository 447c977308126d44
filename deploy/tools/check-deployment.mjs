// What docs/deploy.md promises of a rendered overlay (tests/deploy/kubernetes_check.sh):
//   node deploy/tools/check-deployment.mjs RENDERED.yaml cpu|gpu
// Prints each broken promise and exits 1 when there is one.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const [file, overlay] = process.argv.slice(2);
const objects = parseAllDocuments(readFileSync(file, "utf8")).map((document) => document.toJS());
const find = (kind) => objects.find((object) => object?.kind === kind);
const problems = [];
const expect = (condition, text) => {
  if (!condition) problems.push(text);
};

const deployment = find("Deployment");
const config = find("ConfigMap")?.data ?? {};
const pod = deployment?.spec?.template?.spec ?? {};
const container = pod.containers?.[0] ?? {};
const grace = Number(config.SHUTDOWN_GRACE_SECONDS ?? 30);
expect(pod.terminationGracePeriodSeconds > grace + 10,
  `terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} is not above SHUTDOWN_GRACE_SECONDS ${grace} + 10`);
expect(container.livenessProbe?.httpGet?.path === "/healthz", "liveness is not /healthz");
// Model loading must not be cut short, nor a busy pod restarted for a late answer.
const startup = container.startupProbe ?? {};
expect(startup.httpGet?.path === "/healthz" && (startup.periodSeconds ?? 10) * (startup.failureThreshold ?? 3) >= 120,
  "no startupProbe on /healthz giving start-up at least 120 s");
for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
  expect((container[probe]?.timeoutSeconds ?? 1) >= 5, `${probe} times out in under 5 s`);
}
expect(container.readinessProbe?.httpGet?.path === "/readyz", "readiness is not /readyz");
expect(pod.securityContext?.runAsNonRoot === true, "not runAsNonRoot");
expect(container.securityContext?.readOnlyRootFilesystem === true, "root filesystem not read-only");
expect(container.volumeMounts?.some((mount) => mount.mountPath === "/models" && mount.readOnly),
  "no read-only /models volume");
// A credential comes from a Secret: as a variable (secretKeyRef) or, for
// the secrets the service reads as files, NAME_FILE naming a file under a
// mounted Secret volume.
const secretMounts = (container.volumeMounts ?? []).filter((mount) =>
  (pod.volumes ?? []).some((volume) => volume.name === mount.name && volume.secret));
const fromSecret = (name) =>
  container.env?.some((variable) => variable.name === name && variable.valueFrom?.secretKeyRef) ||
  container.env?.some((variable) => variable.name === `${name}_FILE` &&
    secretMounts.some((mount) => String(variable.value ?? "").startsWith(`${mount.mountPath}/`)));
for (const name of ["POSTGRES_DSN", "MINIO_ACCESS_KEY", "MINIO_SECRET_KEY", "KAFKA_PASSWORD", "ANALYSIS_CACHE_KEY"]) {
  expect(fromSecret(name), `${name} does not come from a Secret`);
  expect(!container.env?.some((variable) => variable.name === name && variable.value !== undefined),
    `${name} is written into the Deployment`);
}
for (const name of Object.keys(config)) {
  expect(!/PASSWORD|SECRET|DSN|ACCESS_KEY|TOKEN|USERNAME/.test(name), `${name} (a credential) is in the ConfigMap`);
}
expect(deployment?.spec?.template?.metadata?.annotations?.["prometheus.io/scrape"] === "true",
  "no prometheus.io/scrape annotation");
expect(find("PodDisruptionBudget"), "no PodDisruptionBudget");
expect(find("ServiceMonitor"), "no ServiceMonitor");
const scaled = find("ScaledObject");
const trigger = scaled?.spec?.triggers?.find((candidate) => candidate.type === "kafka")?.metadata ?? {};
expect(trigger.topic === config.KAFKA_TOPIC_INPUT && trigger.consumerGroup === config.KAFKA_CONSUMER_GROUP,
  "the ScaledObject does not watch the service's topic and group");
expect(trigger.bootstrapServers === config.KAFKA_BOOTSTRAP_SERVERS,
  `the ScaledObject reads the lag from ${trigger.bootstrapServers}, the service consumes from ${config.KAFKA_BOOTSTRAP_SERVERS}`);
expect(trigger.allowIdleConsumers === "false", "KEDA may scale past the partitions (allowIdleConsumers)");
// The autoscaler owns the count: a fixed one would be reset at every apply.
expect(!scaled || deployment?.spec?.replicas === undefined, "the Deployment fixes replicas although KEDA scales it");
// ONNX Runtime's threads are the CPUs requested (its default counts the node's cores).
expect(String(container.resources?.requests?.cpu) === config.ORT_INTRA_OP_THREADS,
  `ORT_INTRA_OP_THREADS ${config.ORT_INTRA_OP_THREADS} is not the ${container.resources?.requests?.cpu} CPUs requested`);
const gpus = container.resources?.limits?.["nvidia.com/gpu"];
if (overlay === "gpu") {
  expect(Number(gpus) === 1, `nvidia.com/gpu limit is ${gpus}, not 1`);
  expect(/-gpu$/.test(container.image ?? ""), `image ${container.image} is not the GPU image`);
  expect(config.GPU_ID === "0", `GPU_ID is ${config.GPU_ID}, not 0`);
} else {
  expect(gpus === undefined, "the CPU overlay asks for a GPU");
  expect(config.GPU_ID === "-1", `GPU_ID is ${config.GPU_ID}, not -1`);
}
for (const problem of problems) console.log(`${overlay}: ${problem}`);
console.log(`${overlay}: ${problems.length === 0 ? "deployment as documented" : `${problems.length} problems`}`);
process.exit(problems.length === 0 ? 0 : 1);
