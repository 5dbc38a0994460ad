// Template revision of a Pool (spec §4.7): 16 hex characters (the first 8 bytes) of SHA-256 over the pod
// template. New pods carry it in the pool-revision label and status.revision reports it; an idle pod with
// another revision is replaced by the rollout.
//
// The hash input differs from upstream's on purpose (spec §12). Go hashes json.Marshal of its typed
// PodTemplateSpec: keys in struct-field order, zero values dropped by omitempty. Neither can be reproduced
// from the stored, schemaless template, and the template reaches us through several JSON round trips
// (apiserver, informer, Temporal payloads) that promise no key order. So the input is canonical JSON: object
// keys sorted by UTF-16 code unit at every depth, array order kept, undefined members dropped. The revision
// is then a function of the template's content only. Cost: a Pool taken over from the Go operator gets a
// new revision once, so each idle pod is replaced once (paced by updateStrategy.maxUnavailable); allocated
// pods are never touched.
//
// Uses node:crypto, so it runs in activities only; workflows receive the revision as data.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../kube/canonical-json.js';
import type { PodTemplate } from '../../api/v1alpha1/pod-template.js';

export function templateRevision(template: PodTemplate): string {
  return createHash('sha256').update(canonicalJson(template)).digest('hex').slice(0, 16);
}
