import { type ImageCaller } from '../../../common/image';
import { type AuthContext, isAdmin } from '../common/auth/auth-context';

/** The caller as the image visibility rules see it: its project and whether it is admin. */
export const imageCaller = (auth: AuthContext): ImageCaller => ({
  projectId: auth.projectId,
  isAdmin: isAdmin(auth),
});

/** The policy target of an image: its owner (no owner matches no project; only admin passes). */
export const ownerTarget = (owner: string | null) => ({ projectId: owner ?? '' });
