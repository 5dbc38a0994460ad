// Request options that send a PATCH as a JSON merge patch (client-node sends JSON Patch by default).
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

export const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
