import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { SiteConfig, problemsOf, type Problem } from '@hazwatch/protocols';

export type SiteLoadResult = { ok: true; site: SiteConfig; text: string } | { ok: false; problems: Problem[] };

/** Parses a site configuration document (YAML or JSON; JSON is YAML) and validates it whole. */
export function parseSiteText(text: string): SiteLoadResult {
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    return { ok: false, problems: [{ path: '(document)', message: `is not valid YAML or JSON: ${(err as Error).message}` }] };
  }
  const r = SiteConfig.safeParse(doc);
  return r.success ? { ok: true, site: r.data, text } : { ok: false, problems: problemsOf(r.error) };
}

export async function loadSiteFile(file: string): Promise<SiteLoadResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { ok: false, problems: [{ path: file, message: `cannot be read: ${(err as Error).message}` }] };
  }
  return parseSiteText(text);
}
