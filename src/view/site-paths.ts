// Where a run's page lives in the site `gaterun view` builds, for links from outside the site (KB documents).
import { basename, dirname, resolve } from 'node:path';
import { safeSegment } from './html.js';

/**
 * The URL of a run's page when the site built from its reports dir (`reports/<MACRO>/<run-id>/`) is published at
 * siteUrl: `<siteUrl>/runs/<MACRO>/<run-id>/index.html`, the same path collectRuns gives the run.
 */
export function runPageUrl(siteUrl: string, runDir: string): string {
  const dir = resolve(runDir);
  const segments = ['runs', safeSegment(basename(dirname(dir))), safeSegment(basename(dir)), 'index.html'];
  return `${siteUrl.replace(/\/+$/, '')}/${segments.map(encodeURIComponent).join('/')}`;
}
