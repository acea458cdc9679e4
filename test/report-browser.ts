/**
 * Opens a dry-run HTML report in Debian's headless Chromium (playwright-core with `executablePath`, never a
 * downloaded browser), with a fresh profile and every request other than the report itself refused and recorded.
 * Shared by the browser test and the README screenshot (test/report-screenshot.ts).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = (): boolean => existsSync(CHROMIUM);

export interface OpenedReport {
  page: Page;
  /** Every request the page made, the report's own file:// URL included. */
  requests: string[];
  /** Errors thrown by the page's scripts. */
  errors: string[];
  close(): Promise<void>;
}

export async function openReport(
  file: string,
  viewport = { width: 1150, height: 900 },
): Promise<OpenedReport> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'tsbatch-chromium-'));
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      viewport,
    });
    const url = pathToFileURL(file).href;
    const requests: string[] = [];
    const errors: string[] = [];
    // Anything but the report itself would be the network: recorded, and refused.
    await context.route('**/*', async (route) => {
      const target = route.request().url();
      requests.push(target);
      if (target === url) await route.continue();
      else await route.abort();
    });
    const page = await context.newPage();
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(url);
    await page.waitForFunction(
      () => (globalThis as { __tsbatchReport?: unknown }).__tsbatchReport !== undefined,
      null,
      {
        timeout: 20_000,
      },
    );
    const opened = context;
    return {
      page,
      requests,
      errors,
      close: async () => {
        await opened.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
}
