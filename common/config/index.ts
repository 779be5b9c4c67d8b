import { type Config, ConfigError, loadConfig, parseConfig } from './load';
import { type Environment, readEnvironment } from './environment';

export { type Config, ConfigError, parseConfig, type Environment, readEnvironment };

export interface Settings {
  config: Config;
  env: Environment;
  warnings: string[];
}

/** Everything a Novaflow process is configured by: the validated file and the environment. */
export function loadSettings(processEnv: NodeJS.ProcessEnv = process.env): Settings {
  const env = readEnvironment(processEnv);
  const { config, warnings } = loadConfig(env.configFile);
  return { config, env, warnings };
}
