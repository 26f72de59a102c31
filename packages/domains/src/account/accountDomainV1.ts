import { z } from 'zod';
import { accountModule } from './accountDomain.js';

const v1Data = z.object({ amount: z.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

/**
 * The previous release of the account module, as it ran before `Deposited` / `Withdrawn` got
 * schema version 2: amounts are `{ amount }`, it declares no event schemas (any type, version 1
 * only). Not registered by default; kept so that rollout tests can run a region on the old code
 * next to regions on `accountDomain`, and so that a property test can check the new
 * release folds every v1 history to the same state as this one (the condition for a rolling
 * upgrade: regions on either release agree on every stream they both can read).
 */
export const accountDomainV1 = accountModule({
  amountOf(event) {
    const parsed = v1Data.safeParse(event.data);
    return parsed.success ? parsed.data.amount : undefined;
  },
  moneyData: (amount) => ({ amount }),
});
