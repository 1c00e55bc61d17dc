// deploy/kubernetes's manifests against the Kubernetes API's own schemas:
// kubernetes-models validates each object with the JSON Schema generated from
// the API's OpenAPI definitions (types, required fields, enums, quantities),
// and a field the schema does not know is an error too, as it is for
// `kubectl apply` (strict field validation, kubectl's default since 1.27).
// deploy-manifests.test.ts checks what the files mean; this checks that the
// API server would take them. kustomization.yaml is kustomize's, not an API
// object, and is read there.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { Deployment } from "kubernetes-models/apps/v1";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { Service } from "kubernetes-models/v1";

const K8S = new URL("../../deploy/kubernetes/", import.meta.url);

/** The models of the kinds the manifests use; a manifest of another kind fails until its model is added here. */
const MODELS: Record<string, { prototype: { validate(): void } }> = {
  "apps/v1 Deployment": Deployment,
  "v1 Service": Service,
  "policy/v1 PodDisruptionBudget": PodDisruptionBudget,
  "networking.k8s.io/v1 Ingress": Ingress,
};

interface ApiObject {
  apiVersion: string;
  kind: string;
  [field: string]: unknown;
}

const manifests: Array<{ file: string; object: ApiObject }> = readdirSync(K8S)
  .filter((file) => file.endsWith(".yaml") && file !== "kustomization.yaml")
  .flatMap((file) => parseAllDocuments(readFileSync(new URL(file, K8S), "utf8")).map((document) => ({ file, object: document.toJSON() as ApiObject })));

/**
 * The schema's complaints about an object, and the fields it does not know.
 * The generated validators read every property their schema defines (and
 * every key of a map), so a field of the object that validation never read
 * is one the API does not have: a misspelling, or a field at the wrong level.
 */
function problems(object: ApiObject): string[] {
  const model = MODELS[`${object.apiVersion} ${object.kind}`];
  if (!model) return [`no schema for ${object.apiVersion} ${object.kind}: add its kubernetes-models class to MODELS`];
  const read = new Map<string, Set<string>>();
  const watched = (value: unknown, path: string): unknown =>
    typeof value !== "object" || value === null
      ? value
      : new Proxy(value, {
          get(target, key, receiver) {
            const field = Reflect.get(target, key, receiver) as unknown;
            if (typeof key !== "string") return field;
            read.set(path, (read.get(path) ?? new Set()).add(key));
            return watched(field, `${path}/${key}`);
          },
        });
  try {
    model.prototype.validate.call(watched(object, ""));
  } catch (error) {
    return [(error as Error).message];
  }
  const unknown: string[] = [];
  const visit = (value: unknown, path: string) => {
    if (typeof value !== "object" || value === null) return;
    for (const [key, child] of Object.entries(value)) {
      if (!read.get(path)?.has(key)) unknown.push(`${path || "/"}: unknown field "${key}"`);
      else visit(child, `${path}/${key}`);
    }
  };
  visit(object, "");
  return unknown;
}

/** A deep copy of a manifest's object, to plant a mistake in. */
function copyOf(kind: string): ApiObject {
  const found = manifests.find((manifest) => manifest.object.kind === kind);
  expect(found, kind).toBeDefined();
  return structuredClone(found!.object);
}

describe("deploy/kubernetes against the Kubernetes API's schemas", () => {
  it("has the objects the deployment needs", () => {
    expect(manifests.map(({ object }) => object.kind).sort()).toEqual(["Deployment", "Ingress", "PodDisruptionBudget", "Service"]);
  });

  it.each(manifests.map(({ file, object }) => [`${file}: ${object.kind}`, object] as const))("%s is valid, with no field the API does not know", (_name, object) => {
    expect(problems(object)).toEqual([]);
  });

  it("catches a wrong type, a missing required field and an unknown value of an enum", () => {
    const deployment = copyOf("Deployment") as any;
    deployment.spec.template.spec.containers[0].ports[0].containerPort = "3000";
    expect(problems(deployment).join("\n")).toMatch(/containerPort must be integer/);
    const nameless = copyOf("Deployment") as any;
    delete nameless.spec.template.spec.containers[0].name;
    expect(problems(nameless).join("\n")).toMatch(/containers\/0 must have required property name/);
    const service = copyOf("Service") as any;
    service.spec.sessionAffinity = "Cookie";
    expect(problems(service).join("\n")).toMatch(/sessionAffinity must be equal to one of the allowed values/);
  });

  it("catches a misspelt field, at the top of a spec and deep in the pod template, but takes any key of a map", () => {
    const service = copyOf("Service") as any;
    service.spec.sesionAffinity = service.spec.sessionAffinity;
    expect(problems(service)).toEqual(['/spec: unknown field "sesionAffinity"']);
    const deployment = copyOf("Deployment") as any;
    deployment.spec.template.spec.containers[0].readinessProbe.httpGet.paht = "/readyz";
    expect(problems(deployment)).toEqual(['/spec/template/spec/containers/0/readinessProbe/httpGet: unknown field "paht"']);
    const labelled = copyOf("Deployment") as any;
    labelled.metadata.labels["example.com/any-label"] = "x";
    expect(problems(labelled)).toEqual([]);
  });
});
