import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { type NextFunction, type Request, type Response } from 'express';
import { ApiError } from '../common/api-error';

/** The compute API's microversion range: 2.1 up to Zed's 2.93. */
export const MIN_VERSION = '2.1';
export const MAX_VERSION = '2.93';

export class ApiVersion {
  constructor(
    readonly major: number,
    readonly minor: number,
  ) {}

  static parse(text: string): ApiVersion | undefined {
    const match = /^([1-9]\d*)\.(0|[1-9]\d*)$/.exec(text.trim());
    return match ? new ApiVersion(Number(match[1]), Number(match[2])) : undefined;
  }

  /** Whether this version is `other` or later, e.g. `version.atLeast('2.47')`. */
  atLeast(other: string): boolean {
    const { major, minor } = ApiVersion.parse(other)!;
    return this.major > major || (this.major === major && this.minor >= minor);
  }

  toString(): string {
    return `${this.major}.${this.minor}`;
  }
}

const MIN = ApiVersion.parse(MIN_VERSION)!;
const MAX = ApiVersion.parse(MAX_VERSION)!;

/** The version a client asked for, from either of Nova's two headers; 2.1 when it asked for none. */
function requested(req: Request): string | undefined {
  const modern = req.header('openstack-api-version');
  if (modern) {
    const compute = modern
      .split(',')
      .map((part) => part.trim().split(/\s+/))
      .find(([service]) => service.toLowerCase() === 'compute');
    if (compute) return compute[1] ?? '';
  }
  return req.header('x-openstack-nova-api-version');
}

export type VersionedRequest = Request & { apiVersion?: ApiVersion };

/**
 * Negotiates the microversion of every /compute/v2.1 request as Nova does ("latest" included)
 * and echoes it in both headers with Vary; a version outside the range is 406.
 */
export function microversionMiddleware(req: VersionedRequest, res: Response, next: NextFunction): void {
  const asked = requested(req);
  let version = MIN;
  if (asked !== undefined) {
    if (asked.trim().toLowerCase() === 'latest') {
      version = MAX;
    } else {
      const parsed = ApiVersion.parse(asked);
      if (!parsed) {
        next(
          new ApiError(
            'badRequest',
            `API Version String ${asked} is of invalid format. Must be of format MajorNum.MinorNum.`,
          ),
        );
        return;
      }
      version = parsed;
    }
  }
  res.setHeader('OpenStack-API-Version', `compute ${version}`);
  res.setHeader('X-OpenStack-Nova-API-Version', `${version}`);
  res.append('Vary', ['OpenStack-API-Version', 'X-OpenStack-Nova-API-Version']);
  if (!version.atLeast(MIN_VERSION) || !MAX.atLeast(version.toString())) {
    next(
      new ApiError(
        'computeFault',
        `Version ${version} is not supported by the API. Minimum is ${MIN} and maximum is ${MAX}.`,
        undefined,
        406,
      ),
    );
    return;
  }
  req.apiVersion = version;
  next();
}

/** The negotiated microversion of a compute request. */
export const Microversion = createParamDecorator((_data: unknown, context: ExecutionContext): ApiVersion => {
  return context.switchToHttp().getRequest<VersionedRequest>().apiVersion ?? MIN;
});
