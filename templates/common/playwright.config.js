// Runs tests/ against a running `osp dev @@NAME@@`.  Uses an installed
// Chromium when OSP_CHROMIUM names one (e.g. /usr/bin/chromium).
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  use: {
    baseURL: process.env.OSP_DEV_URL || 'http://127.0.0.1:8080',
    headless: true,
    launchOptions: process.env.OSP_CHROMIUM
      ? { executablePath: process.env.OSP_CHROMIUM, args: ['--no-sandbox'] }
      : {},
  },
});
