import { existsSync } from 'node:fs';
import type { BrowserType } from 'playwright-core';

/** Where Debian and most distributions install Chromium; the first that exists is used. */
export const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

// The flags the dashboard's browser tests use: headless, no sandbox (containers, root), and nothing
// that reaches out to the network.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export class PdfUnavailableError extends Error {
  override name = 'PdfUnavailableError';
}

export type PdfRenderer = { render(html: string): Promise<Buffer> };

/**
 * Prints HTML to PDF with headless Chromium through playwright-core. One browser per document, one
 * document at a time: reports are rare, and a browser left running would hold memory for nothing.
 */
export function chromiumPdfRenderer(opts: { executablePath?: string; timeoutMs?: number } = {}): PdfRenderer {
  let queue: Promise<unknown> = Promise.resolve();
  const timeout = opts.timeoutMs ?? 60_000;
  const render = async (html: string): Promise<Buffer> => {
    const executablePath = opts.executablePath ?? CHROMIUM_PATHS.find((p) => existsSync(p));
    if (executablePath === undefined || !existsSync(executablePath)) {
      throw new PdfUnavailableError(`PDF needs Chromium; none found at ${opts.executablePath ?? CHROMIUM_PATHS.join(', ')} (on Debian: apt-get install chromium)`);
    }
    let chromium: BrowserType;
    try {
      ({ chromium } = await import('playwright-core'));
    } catch (err) {
      throw new PdfUnavailableError(`PDF needs the playwright-core package: ${(err as Error).message}`);
    }
    const browser = await chromium.launch({ executablePath, args: ARGS, timeout });
    try {
      const page = await browser.newPage();
      // The page is self-contained: nothing may be fetched while printing it.
      await page.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
      await page.setContent(html, { waitUntil: 'load', timeout });
      return await page.pdf({
        format: 'A4',
        printBackground: true,
        preferCSSPageSize: true,
        displayHeaderFooter: true,
        headerTemplate: '<span></span>',
        footerTemplate: '<div style="font-size:7pt;width:100%;text-align:center;color:#555"><span class="pageNumber"></span> / <span class="totalPages"></span></div>',
      });
    } finally {
      await browser.close();
    }
  };
  return {
    render: (html) => {
      const done = queue.then(() => render(html));
      queue = done.catch(() => undefined);
      return done;
    },
  };
}
