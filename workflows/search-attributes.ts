// Custom search attributes that make operator workflows findable in the Temporal UI
// (e.g. `OpenSandboxNamespace="team-a" AND OpenSandboxPool="gpu"`). The local stack registers
// them on the dev server; production clusters register them once with `temporal operator
// search-attribute create` (see docs/operator.md, "Temporal").
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const NAMESPACE_ATTRIBUTE = defineSearchAttributeKey('OpenSandboxNamespace', SearchAttributeType.KEYWORD);
export const SANDBOX_ATTRIBUTE = defineSearchAttributeKey('OpenSandboxSandbox', SearchAttributeType.KEYWORD);
export const POOL_ATTRIBUTE = defineSearchAttributeKey('OpenSandboxPool', SearchAttributeType.KEYWORD);
export const OPERATION_ATTRIBUTE = defineSearchAttributeKey('OpenSandboxOperation', SearchAttributeType.KEYWORD);

export const OPERATOR_SEARCH_ATTRIBUTES = [NAMESPACE_ATTRIBUTE, SANDBOX_ATTRIBUTE, POOL_ATTRIBUTE, OPERATION_ATTRIBUTE] as const;
