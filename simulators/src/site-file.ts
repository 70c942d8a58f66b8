// Reads a site configuration file (YAML or JSON) for the simulator, refusing it whole with every
// problem listed, like the server does (SPEC 3).
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { SiteConfig, formatProblems, problemsOf } from '@hazwatch/protocols';

export async function readSiteFile(file: string): Promise<SiteConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`site configuration ${file} cannot be read: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { uniqueKeys: true });
  } catch (err) {
    throw new Error(`site configuration ${file} is not valid YAML or JSON: ${(err as Error).message}`);
  }
  const r = SiteConfig.safeParse(doc);
  if (!r.success) throw new Error(`site configuration ${file} is invalid:\n${formatProblems(problemsOf(r.error))}`);
  return r.data;
}
