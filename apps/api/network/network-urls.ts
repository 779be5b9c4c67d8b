import { Inject, Injectable } from '@nestjs/common';
import { type Settings } from '../../../common/config';
import { SETTINGS } from '../settings.module';

/** Where the network API lives for clients: the base of its links. */
@Injectable()
export class NetworkUrls {
  readonly root: string;
  readonly v2: string;

  constructor(@Inject(SETTINGS) settings: Settings) {
    this.root = `${settings.env.publicUrl}/network`;
    this.v2 = `${this.root}/v2.0`;
  }

  collection = (name: string) => `${this.v2}/${name}`;
}
