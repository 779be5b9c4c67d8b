import { Inject, Injectable } from '@nestjs/common';
import { type Settings } from '../../../common/config';
import { Semaphore } from '../../../common/semaphore';
import { SETTINGS } from '../settings.module';
import { hashPassword, verifyPassword } from './password';

/**
 * The API's argon2 hashes, at most [identity] password_hash_concurrency at once. Argon2 runs on
 * libuv's threadpool (4 threads by default), which file reads and writes (image data) and DNS
 * share: unbounded, a burst of logins would take every thread and 19 MiB each.
 */
@Injectable()
export class PasswordHashing {
  private readonly slots: Semaphore;

  constructor(@Inject(SETTINGS) settings: Settings) {
    this.slots = new Semaphore(settings.config.identity.password_hash_concurrency);
  }

  hash(password: string): Promise<string> {
    return this.slots.run(() => hashPassword(password));
  }

  verify(hash: string, password: string): Promise<boolean> {
    return this.slots.run(() => verifyPassword(hash, password));
  }
}
