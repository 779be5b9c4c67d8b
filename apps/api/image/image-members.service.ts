import { Injectable } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { type Image, ImageMember, MEMBER_STATUSES, type MemberStatus } from '../../../entities';
import { ApiError } from '../common/api-error';
import { type AuthContext, isAdmin } from '../common/auth/auth-context';
import { enforce } from '../common/policy';
import { imageCaller, ownerTarget } from './image-caller';
import { ImageRepository } from './image-repository';

const bad = (message: string) => new ApiError('badRequest', message);

/** {"member": "<project id>"} in Glance's words when it is not. */
function memberOf(body: unknown): string {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw bad('Expected a member in the form: {"member": "image_id"}');
  }
  const { member } = body as { member?: unknown };
  if (member === undefined) throw bad('Member to be added not specified');
  if (typeof member !== 'string' || member.length === 0) throw bad("Member can't be empty");
  if (member.length > 255) throw bad('Member must be at most 255 characters long.');
  return member;
}

/** {"status": "accepted"} in Glance's words when it is not. */
function statusOf(body: unknown): MemberStatus {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw bad('Expected a status in the form: {"status": "status"}');
  }
  const { status } = body as { status?: unknown };
  if (status === undefined) throw bad('Status not specified');
  if (!(MEMBER_STATUSES as readonly unknown[]).includes(status)) {
    throw bad('Incorrect request: Status must be "pending", "accepted" or "rejected".');
  }
  return status as MemberStatus;
}

/**
 * Glance's image members: the owner of a shared image shares it with other projects, each of
 * which accepts or rejects it; a member sees only its own membership.
 */
@Injectable()
export class ImageMembersService {
  constructor(private readonly repo: ImageRepository) {}

  private get members() {
    return this.repo.dataSource.getRepository(ImageMember);
  }

  /** The image as the caller sees it, which must be shared to have members. */
  private async sharedImage(auth: AuthContext, id: string): Promise<Image> {
    enforce(auth, 'image:get');
    const image = await this.repo.visible(imageCaller(auth), id);
    if (image.visibility !== 'shared') throw new ApiError('forbidden', 'Only shared images have members.');
    return image;
  }

  /** Owner and admin see every member; a member project only itself. */
  private seesAllMembers(auth: AuthContext, image: Image): boolean {
    return isAdmin(auth) || (auth.projectId !== undefined && auth.projectId === image.owner);
  }

  private async member(auth: AuthContext, image: Image, memberId: string): Promise<ImageMember> {
    const visible = this.seesAllMembers(auth, image) || memberId === auth.projectId;
    const member = visible ? await this.members.findOneBy({ imageId: image.id, member: memberId }) : null;
    if (!member) {
      throw new ApiError(
        'itemNotFound',
        `${memberId} not found in the member list of the image ${image.id}.`,
      );
    }
    return member;
  }

  async create(auth: AuthContext, id: string, body: unknown): Promise<ImageMember> {
    const image = await this.sharedImage(auth, id);
    enforce(auth, 'image:write', ownerTarget(image.owner));
    const now = new Date();
    const member = this.members.create({
      imageId: image.id,
      member: memberOf(body),
      status: 'pending',
      createdAt: now,
      updatedAt: now,
    });
    try {
      await this.members.insert(member);
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505') {
        throw new ApiError(
          'conflictingRequest',
          `Member ${member.member} is duplicated for image ${image.id}`,
        );
      }
      throw error;
    }
    return member;
  }

  async list(auth: AuthContext, id: string): Promise<ImageMember[]> {
    const image = await this.sharedImage(auth, id);
    return this.members.find({
      where: this.seesAllMembers(auth, image)
        ? { imageId: image.id }
        : { imageId: image.id, member: auth.projectId ?? '' },
      order: { createdAt: 'ASC', member: 'ASC' },
    });
  }

  async show(auth: AuthContext, id: string, memberId: string): Promise<ImageMember> {
    return this.member(auth, await this.sharedImage(auth, id), memberId);
  }

  /** Only the member project (or admin) accepts or rejects the image shared with it. */
  async update(auth: AuthContext, id: string, memberId: string, body: unknown): Promise<ImageMember> {
    const image = await this.sharedImage(auth, id);
    const member = await this.member(auth, image, memberId);
    enforce(auth, 'image:modify_member', { projectId: memberId });
    member.status = statusOf(body);
    member.updatedAt = new Date();
    await this.members.update(
      { imageId: image.id, member: memberId },
      { status: member.status, updatedAt: member.updatedAt },
    );
    return member;
  }

  async remove(auth: AuthContext, id: string, memberId: string): Promise<void> {
    const image = await this.sharedImage(auth, id);
    enforce(auth, 'image:write', ownerTarget(image.owner));
    await this.member(auth, image, memberId);
    await this.members.delete({ imageId: image.id, member: memberId });
  }
}
