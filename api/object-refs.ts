// The objects workflows act for, as they carry them: a name and the UID that tells the object apart from a
// later namesake (a step that finds another UID ends the workflow, OBJECT_GONE).

/** A BatchSandbox as the workflows know it. */
export interface SandboxRef {
  namespace: string;
  name: string;
  uid: string;
}

/** A SandboxSnapshot (internal `<bs>-pause[-i]` or the server's `osb-snap-*`). */
export interface SnapshotRef {
  namespace: string;
  name: string;
  uid: string;
}
