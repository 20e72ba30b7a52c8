/*
 * Browser tests: every package's e2e-tests/ folder, driven in the machine's Chromium against the
 * local stack that `npm start` runs (started here unless one already answers on :3000).
 */
import { defineConfig } from '@playwright/test';
import { generateProjects } from '@backstage/e2e-test-utils/playwright';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export default defineConfig({
  timeout: 120_000,
  expect: { timeout: 30_000 },
  // One worker: the stack runs on the same small machine.
  workers: 1,
  retries: 0,
  forbidOnly: true,
  outputDir: '.local/e2e/artifacts',
  reporter: [
    ['list'],
    ['html', { open: 'never', outputFolder: '.local/e2e/report' }],
  ],
  webServer: {
    // The stack's logs go to a file that stays next to the test artifacts. `exec`, so that
    // Playwright waits for start.mjs itself to have stopped everything.
    command:
      'mkdir -p .local && exec node scripts/start.mjs > .local/e2e-stack.log 2>&1',
    url: 'http://localhost:3000',
    reuseExistingServer: !process.env.CI,
    // Cold start of the backend and the first frontend bundle.
    timeout: 360_000,
    // start.mjs stops the stack's process groups itself on SIGTERM.
    gracefulShutdown: { signal: 'SIGTERM', timeout: 30_000 },
  },
  use: {
    baseURL: 'http://localhost:3000',
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: chromiumPath,
      args: [
        '--no-sandbox',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
      ],
    },
  },
  projects: generateProjects().map(project => ({
    ...project,
    use: { ...project.use, channel: undefined },
  })),
});
