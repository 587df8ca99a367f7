// The two hosts every deploy test runs on: `local`, and `vps` = a real sshd on 127.0.0.1.
import { closeHosts, type HostSpec } from '../../src/context/hosts.js';
import { startSshd, type TestSshd } from './sshd.js';

export type HostKind = 'local' | 'ssh';

export interface TestHosts {
  sshd: TestSshd;
  hosts: Record<string, HostSpec>;
  /** The gate host name for a kind: 'local' or 'vps'. */
  name(kind: HostKind): string;
  stop(): Promise<void>;
}

/** Starts the sshd and returns host specs for `local` and `vps`. */
export async function startHosts(): Promise<TestHosts> {
  const sshd = await startSshd();
  return {
    sshd,
    hosts: { vps: sshd.spec('vps') },
    name: (kind) => (kind === 'local' ? 'local' : 'vps'),
    async stop() {
      await closeHosts();
      await sshd.stop();
    },
  };
}
