import { readFileSync } from 'node:fs';
import { passwordLogin } from '../../common/password-login';
import { buildGuestImage, GUEST_IMAGE_NAME } from '../guest-image';

export interface ImageServiceLogin {
  /** The cloud's base URL (NOVAFLOW_PUBLIC_URL). */
  publicUrl: string;
  username: string;
  password: string;
  projectName: string;
}

async function token({ publicUrl, ...credentials }: ImageServiceLogin): Promise<string> {
  const login = await passwordLogin(`${publicUrl}/identity/v3`, credentials);
  if (login.status !== 201 || !login.token)
    throw new Error(`identity: HTTP ${login.status} for ${credentials.username}`);
  return login.token;
}

/**
 * Seeds the tiny guest through the image API, as an operator would upload it: a kernel (aki), a
 * ramdisk (ari) and the root disk `tiny-linux` (qcow2) whose kernel_id and ramdisk_id name them,
 * all public. An active `tiny-linux` already there is kept. Returns its id.
 */
export async function seedTinyLinux(login: ImageServiceLogin, buildDir: string): Promise<string> {
  const auth = await token(login);
  const images = `${login.publicUrl}/image/v2/images`;
  const headers = { 'x-auth-token': auth };
  const existing = (await (
    await fetch(`${images}?name=${GUEST_IMAGE_NAME}&status=active`, { headers })
  ).json()) as {
    images: { id: string }[];
  };
  if (existing.images.length > 0) return existing.images[0].id;

  const files = buildGuestImage(buildDir);
  const upload = async (fields: Record<string, string>, path: string): Promise<string> => {
    const created = await fetch(images, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ visibility: 'public', ...fields }),
    });
    if (created.status !== 201)
      throw new Error(`image ${fields.name}: HTTP ${created.status} ${await created.text()}`);
    const { id } = (await created.json()) as { id: string };
    const data = await fetch(`${images}/${id}/file`, {
      method: 'PUT',
      headers: { ...headers, 'content-type': 'application/octet-stream' },
      body: readFileSync(path),
    });
    if (data.status !== 204)
      throw new Error(`image ${fields.name} data: HTTP ${data.status} ${await data.text()}`);
    return id;
  };
  const kernelId = await upload(
    { name: `${GUEST_IMAGE_NAME}-kernel`, disk_format: 'aki', container_format: 'aki' },
    files.kernel,
  );
  const ramdiskId = await upload(
    { name: `${GUEST_IMAGE_NAME}-ramdisk`, disk_format: 'ari', container_format: 'ari' },
    files.ramdisk,
  );
  return upload(
    {
      name: GUEST_IMAGE_NAME,
      disk_format: 'qcow2',
      container_format: 'bare',
      kernel_id: kernelId,
      ramdisk_id: ramdiskId,
      // The guest's console is its first serial port, which the driver logs to a file.
      os_command_line: 'console=ttyS0 quiet',
      // Only libvirt hosts boot it (ImagePropertiesFilter), never a fake one.
      img_hv_type: 'qemu',
    },
    files.rootDisk,
  );
}
