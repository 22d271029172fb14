import { readFileSync } from 'node:fs';
import { RESOLV_CONF_DEFAULTS } from '../config/defaults.js';
import { ThickConfigError } from '../config/errors.js';

/** What the resolver takes from resolv.conf: it asks for exact names (as c-ares' resolve4 does), so it applies the search list itself. */
export interface ResolvConf {
  readonly nameservers: readonly string[];
  readonly search: readonly string[];
  readonly ndots: number;
}

const EMPTY: ResolvConf = Object.freeze({ nameservers: [], search: [], ndots: RESOLV_CONF_DEFAULTS.ndots });

/** Parses resolv.conf text as glibc does: the last `search` or `domain` line wins; `options ndots:n` is capped at 15. */
export function parseResolvConf(text: string): ResolvConf {
  const nameservers: string[] = [];
  let search: string[] = [];
  let ndots: number = RESOLV_CONF_DEFAULTS.ndots;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    if (line === '') continue;
    const [keyword, ...args] = line.split(/\s+/);
    switch (keyword) {
      case 'nameserver':
        if (args[0]) nameservers.push(args[0]);
        break;
      case 'search':
        search = args.map((d) => d.replace(/\.$/, '')).filter((d) => d !== '');
        break;
      case 'domain':
        search = args[0] ? [args[0].replace(/\.$/, '')] : [];
        break;
      case 'options':
        for (const option of args) {
          const m = /^ndots:(\d+)$/.exec(option);
          if (m) ndots = Math.min(Number(m[1]), RESOLV_CONF_DEFAULTS.maxNdots);
        }
        break;
      default:
        break;
    }
  }
  return Object.freeze({ nameservers: Object.freeze(nameservers), search: Object.freeze(search), ndots });
}

/**
 * Reads resolv.conf. A missing system file means no search list (as for glibc); a file the user
 * named explicitly (`required`) must be readable.
 */
export function readResolvConf(path: string, required = false): ResolvConf {
  try {
    return parseResolvConf(readFileSync(path, 'utf8'));
  } catch (error) {
    if (required) {
      throw new ThickConfigError(
        path,
        `cannot read the resolv.conf file "${path}": ${(error as Error).message}`,
      );
    }
    return EMPTY;
  }
}

/**
 * The names to try, in order, for a name as written (resolver(5)): a fully qualified name is tried
 * alone; a name with at least `ndots` dots is tried as is first, then with each search domain;
 * a shorter name (the usual "echo" or "echo.default" in a pod, with ndots:5) tries the search
 * domains first. Duplicates are dropped.
 */
export function candidateNames(
  name: string,
  absolute: boolean,
  conf: Pick<ResolvConf, 'search' | 'ndots'>,
): string[] {
  if (absolute) return [name];
  const dots = name.split('.').length - 1;
  const searched = conf.search.map((domain) => `${name}.${domain}`);
  const ordered = dots >= conf.ndots ? [name, ...searched] : [...searched, name];
  return [...new Set(ordered)];
}
