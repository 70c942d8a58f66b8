import { useEffect, useState } from 'preact/hooks';
import { dictionaries, type Lang, type StringKey } from './strings.ts';

export type Params = Record<string, string | number>;
export type Translate = (key: StringKey, params?: Params) => string;

const STORAGE_KEY = 'hazwatch.lang';

export function translate(lang: Lang, key: StringKey, params?: Params): string {
  const text: string = dictionaries[lang][key];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** The page's language: Chinese unless the operator chose English on this browser before. */
export class LangStore {
  #lang: Lang;
  #listeners = new Set<(l: Lang) => void>();

  constructor(private readonly storage: Pick<Storage, 'getItem' | 'setItem'> | null) {
    const saved = safely(() => storage?.getItem(STORAGE_KEY));
    this.#lang = saved === 'en' ? 'en' : 'zh';
  }

  get lang(): Lang {
    return this.#lang;
  }

  set(lang: Lang): void {
    if (lang === this.#lang) return;
    this.#lang = lang;
    // Private browsing or a full quota must not break the switch; it just won't survive a reload.
    safely(() => this.storage?.setItem(STORAGE_KEY, lang));
    for (const l of this.#listeners) l(lang);
  }

  toggle(): void {
    this.set(this.#lang === 'zh' ? 'en' : 'zh');
  }

  subscribe(fn: (l: Lang) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }
}

function safely<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

export function useLang(store: LangStore): { lang: Lang; t: Translate } {
  const [lang, setLang] = useState(store.lang);
  useEffect(() => store.subscribe(setLang), [store]);
  return { lang, t: (key, params) => translate(lang, key, params) };
}
