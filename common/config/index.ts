import { type Config, ConfigError, loadConfig, parseConfig } from './load';
import { type Environment, readEnvironment } from './environment';

export { type Config, ConfigError, parseConfig, type Environment, readEnvironment };

export interface Settings {
  config: Config;
  env: Environment;
  warnings: string[];
}

/**
 * Everything a Novaflow process is configured by: the validated file, any further files given to
 * this process (their options win), and the environment.
 */
export function loadSettings(
  processEnv: NodeJS.ProcessEnv = process.env,
  extraConfigFiles: string[] = [],
): Settings {
  const env = readEnvironment(processEnv);
  const { config, warnings } = loadConfig([...(env.configFile ? [env.configFile] : []), ...extraConfigFiles]);
  return { config, env, warnings };
}
