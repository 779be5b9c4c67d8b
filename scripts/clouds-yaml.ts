import { stringify } from 'yaml';
import { writeSecretFile } from './secret-file';

export interface CloudUser {
  username: string;
  password: string;
  projectName: string;
}

/** The clouds.yaml entry of one user, as openstacksdk and the openstack CLI read it. */
function cloud(identityUrl: string, user: CloudUser) {
  return {
    auth: {
      auth_url: identityUrl,
      username: user.username,
      password: user.password,
      project_name: user.projectName,
      user_domain_name: 'Default',
      project_domain_name: 'Default',
    },
    region_name: 'RegionOne',
    interface: 'public',
    identity_api_version: 3,
  };
}

/** Writes clouds `novaflow-admin` and `novaflow-demo`, readable by the owner only. */
export function writeCloudsYaml(path: string, identityUrl: string, admin: CloudUser, demo: CloudUser): void {
  const document = {
    clouds: { 'novaflow-admin': cloud(identityUrl, admin), 'novaflow-demo': cloud(identityUrl, demo) },
  };
  writeSecretFile(path, stringify(document));
}
