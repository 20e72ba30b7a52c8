/*
 * An exec credential plugin (client.authentication.k8s.io), the way OIDC and cloud IAM
 * authenticators hand out short-lived tokens: run the command, read the ExecCredential it prints,
 * keep the token until shortly before it expires or until the server refuses it.
 */
import { spawn } from 'node:child_process';
import type { Authentication, CredentialSource } from './types';

const EXPIRY_SKEW_MS = 30_000;
const TIMEOUT_MS = 30_000;

export interface ExecCredentialConfig {
  command: string;
  args: string[];
  env: Array<{ name: string; value: string }>;
  apiVersion: string;
}

export class ExecCredentials implements CredentialSource {
  private cached?: { auth: Authentication; expiresAt?: number };
  private running?: Promise<Authentication>;

  constructor(
    private readonly exec: ExecCredentialConfig,
    private readonly now = () => Date.now(),
  ) {}

  async authenticate(): Promise<Authentication> {
    const cached = this.cached;
    if (
      cached &&
      (cached.expiresAt === undefined ||
        this.now() < cached.expiresAt - EXPIRY_SKEW_MS)
    ) {
      return cached.auth;
    }
    // Concurrent requests share one run of the plugin.
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async refresh(): Promise<void> {
    this.cached = undefined;
  }

  private run(): Promise<Authentication> {
    const { command, args, env, apiVersion } = this.exec;
    const execInfo = JSON.stringify({
      apiVersion,
      kind: 'ExecCredential',
      spec: { interactive: false },
    });
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, {
        env: {
          ...process.env,
          ...Object.fromEntries(env.map(e => [e.name, e.value])),
          KUBERNETES_EXEC_INFO: execInfo,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: TIMEOUT_MS,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', chunk => (stdout += chunk));
      child.stderr.on('data', chunk => (stderr += chunk));
      child.on('error', error =>
        reject(
          new Error(
            `the exec credential plugin '${command}' could not run: ${error.message}`,
          ),
        ),
      );
      child.on('close', code => {
        if (code !== 0) {
          const why = stderr.trim().split('\n')[0] || `exit code ${code}`;
          reject(
            new Error(`the exec credential plugin '${command}' failed: ${why}`),
          );
          return;
        }
        try {
          const status = JSON.parse(stdout).status ?? {};
          if (!status.token && !status.clientCertificateData)
            throw new Error('no token or client certificate in its status');
          const auth: Authentication = {
            headers: status.token
              ? { Authorization: `Bearer ${status.token}` }
              : {},
            cert: status.clientCertificateData,
            key: status.clientKeyData,
          };
          const expiresAt = status.expirationTimestamp
            ? Date.parse(status.expirationTimestamp)
            : undefined;
          this.cached = { auth, expiresAt };
          resolve(auth);
        } catch (error) {
          reject(
            new Error(
              `the exec credential plugin '${command}' printed no valid ExecCredential: ${
                (error as Error).message
              }`,
            ),
          );
        }
      });
    });
  }
}
