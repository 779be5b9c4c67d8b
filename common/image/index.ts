export { type BootImage, findImageForProject } from './find-image';
export {
  type ImageCaller,
  imageVisibleTo,
  isImageId,
  type MemberStatusFilter,
  visibleImageQuery,
} from './visibility';
