/** Which recipients an account may send to: any possible number, or (strict numbers) allocated ranges only. */
import type { NumberRule } from "../core/phone.js";
import type { AccountProfile } from "../store/ports/index.js";

export const numberRuleOf = (account: Pick<AccountProfile, "strictNumbers">): NumberRule =>
  account.strictNumbers ? "valid" : "possible";
