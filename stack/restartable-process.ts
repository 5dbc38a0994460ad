// A stack server that can be crashed and brought back on the same ports and data, as a node reboot or
// an OOM kill does to a real control plane (the chaos run does this to the kube-apiserver and Temporal).
// `launch` starts the process and resolves once it serves; a restart runs it again.
import type { ManagedProcess } from './managed-process.js';

export class RestartableProcess {
  private constructor(
    private readonly launch: () => Promise<ManagedProcess>,
    private current: ManagedProcess,
  ) {}

  static async start(launch: () => Promise<ManagedProcess>): Promise<RestartableProcess> {
    return new RestartableProcess(launch, await launch());
  }

  get process(): ManagedProcess {
    return this.current;
  }

  /** SIGKILL, then the same launch again; resolves with how long the server was down (ms). */
  async crashAndRestart(): Promise<number> {
    const down = performance.now();
    await this.current.kill();
    this.current = await this.launch();
    return performance.now() - down;
  }

  stop(graceMs?: number): Promise<void> {
    return this.current.stop(graceMs);
  }
}
