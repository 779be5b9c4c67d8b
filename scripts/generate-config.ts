import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPTIONS } from '../common/config/options';
import { type Opt } from '../common/config/opts';
import { projectRoot } from '../common/paths';

const HEADER = `# Novaflow configuration, in nova.conf style: Nova's section and option names wherever Nova
# has the option. Copy to etc/novaflow.conf (or point NOVAFLOW_CONFIG at a file) and uncomment what
# you change. Addresses and secrets come from the environment instead: DATABASE_URL,
# TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, NOVAFLOW_API_HOST, NOVAFLOW_API_PORT, NOVAFLOW_PUBLIC_URL,
# NOVAFLOW_DATA_DIR, NOVAFLOW_FAKE_HOSTS, NOVAFLOW_ADMIN_PASSWORD, NOVAFLOW_DEMO_PASSWORD,
# NOVAFLOW_SERVICE_PASSWORD, NOVAFLOW_PG_PORT, TEMPORAL_CLI.
#
# Generated from common/config/options.ts by \`node dist/scripts/generate-config.js\`.
`;

function render(value: unknown): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** The example file, one commented option per entry of the option table, like oslo-config-generator. */
export function exampleConfig(): string {
  const sections = Object.entries(OPTIONS as unknown as Record<string, Record<string, Opt<unknown>>>).map(
    ([section, options]) => {
      const lines = Object.entries(options).map(
        ([name, opt]) => `# ${opt.help} (${opt.expected})\n#${name} = ${render(opt.default)}\n`,
      );
      return `[${section}]\n\n${lines.join('\n')}`;
    },
  );
  return `${HEADER}\n${sections.join('\n')}`;
}

if (require.main === module) {
  writeFileSync(join(projectRoot(), 'etc', 'novaflow.conf.example'), exampleConfig());
}
