import { readFileSync } from 'node:fs';
import { parse as parseIni } from 'ini';
import { OPTIONS } from './options';
import { type Opt, type OptValue } from './opts';

type Options = typeof OPTIONS;
export type Config = {
  [Section in keyof Options]: { [Name in keyof Options[Section]]: OptValue<Options[Section][Name]> };
};

/** A configuration error names the section, the option and the form it expects. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type RawSections = Record<string, Record<string, unknown>>;

/**
 * Parses nova.conf-style text into a validated Config. Options absent from the text take their
 * defaults; unknown options are returned as warnings (a nova.conf carries many Nova options that
 * Novaflow does not read); a value of the wrong form throws a ConfigError.
 */
export function parseConfig(text: string, source = 'configuration'): { config: Config; warnings: string[] } {
  const raw = parseIni(text) as RawSections;
  const warnings: string[] = [];
  const errors: string[] = [];
  const config = {} as Record<string, Record<string, unknown>>;

  for (const [section, options] of Object.entries(OPTIONS) as [string, Record<string, Opt<unknown>>][]) {
    const given = raw[section] ?? {};
    const values: Record<string, unknown> = {};
    for (const [name, opt] of Object.entries(options)) {
      const text = given[name];
      if (text === undefined) {
        values[name] = opt.default;
        continue;
      }
      const parsed =
        typeof text === 'string' || typeof text === 'boolean' ? opt.parse(String(text)) : undefined;
      if (parsed === undefined) {
        errors.push(`[${section}] ${name} = ${JSON.stringify(text)} is invalid: expected ${opt.expected}`);
      } else {
        values[name] = parsed;
      }
    }
    config[section] = values;
  }

  for (const [section, options] of Object.entries(raw)) {
    const known = (OPTIONS as unknown as Record<string, Record<string, unknown>>)[section];
    if (typeof options !== 'object' || options === null) {
      warnings.push(`option ${section} outside any section is ignored`);
      continue;
    }
    for (const name of Object.keys(options)) {
      if (!known || !(name in known))
        warnings.push(`[${section}] ${name} is not a Novaflow option and is ignored`);
    }
  }

  if (errors.length > 0) throw new ConfigError(`${source}: ${errors.join('; ')}`);
  return { config: config as Config, warnings };
}

/**
 * Reads and validates the files at `paths` as one configuration, a later file's options over an
 * earlier's (Nova's repeated --config-file); no files: the defaults.
 */
export function loadConfig(paths: string[]): { config: Config; warnings: string[] } {
  const texts = paths.map((path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      throw new ConfigError(`cannot read configuration file ${path}: ${(error as Error).message}`);
    }
  });
  return parseConfig(texts.join('\n'), paths.join(', ') || 'configuration');
}
