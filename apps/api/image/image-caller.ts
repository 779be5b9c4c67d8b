import { type ImageCaller } from '../../../common/image';
import { type AuthContext, hasRole, isAdmin } from '../common/auth/auth-context';

/** The caller as the image visibility rules see it: its project and whether it is admin. */
export const imageCaller = (auth: AuthContext): ImageCaller => ({
  projectId: auth.projectId,
  isAdmin: isAdmin(auth),
});

/**
 * The caller of a single image's read (show, download): a service (a compute host) sees every
 * image as an admin does, since it fetches the image of any project's server; it lists none.
 */
export const imageReader = (auth: AuthContext): ImageCaller => ({
  projectId: auth.projectId,
  isAdmin: isAdmin(auth) || hasRole(auth, 'service'),
});

/** The policy target of an image: its owner (no owner matches no project; only admin passes). */
export const ownerTarget = (owner: string | null) => ({ projectId: owner ?? '' });
