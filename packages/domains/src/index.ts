/**
 * @concord/domains — the example domain modules, written against the public API of
 * @concord/core the way users write their own.
 */
import type { DomainModule, ReadModel } from '@concord/core';
import { accountDomain } from './account/accountDomain.js';
import { cartDomain } from './cart/cartDomain.js';
import { profileDomain } from './profile/profileDomain.js';
import { accountReadModel } from './account/accountReadModel.js';
import { cartReadModel } from './cart/cartReadModel.js';
import { profileReadModel } from './profile/profileReadModel.js';

export {
  ACCOUNT_CURRENCY,
  ACCOUNT_EVENTS,
  ACCOUNT_SCHEMAS,
  accountDomain,
  accountModule,
  compensationsOf,
  type AccountRelease,
  type AccountState,
  type BouncedWithdrawal,
  type Compensation,
} from './account/accountDomain.js';
export { accountDomainV1 } from './account/accountDomainV1.js';
export { CART_EVENTS, cartDomain, cartLines, type CartState } from './cart/cartDomain.js';
export { PROFILE_EVENTS, profileDomain, type ProfileState } from './profile/profileDomain.js';
export { accountReadModel, cartReadModel, profileReadModel };

/** The shipped domains, for `new DomainRegistry(defaultDomains)`. */
export const defaultDomains: readonly DomainModule[] = [
  accountDomain as DomainModule,
  cartDomain as DomainModule,
  profileDomain as DomainModule,
];

/**
 * The read models of the shipped domains (`account_balances`, `cart_items`, `profiles`), in the
 * order the mirror writes them; each is maintained only where its module is registered.
 */
export const defaultReadModels: readonly ReadModel[] = [
  accountReadModel as ReadModel,
  cartReadModel as ReadModel,
  profileReadModel as ReadModel,
];
