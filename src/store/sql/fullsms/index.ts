/** The FullSMS part of the SQL store, one object per port. */
import type { FullsmsStore } from "../../ports/index.js";
import type { Db } from "../db.js";
import { sqlCampaignStore } from "./campaigns.js";
import { sqlContactListStore, sqlContactStore } from "./lists.js";
import { sqlNumberStore, sqlSenderIdStore, sqlTemplateStore } from "./numbers.js";
import { sqlShortLinkStore } from "./short-links.js";

export function sqlFullsmsStore(db: Db): FullsmsStore {
  return {
    numbers: sqlNumberStore(db),
    senderIds: sqlSenderIdStore(db),
    templates: sqlTemplateStore(db),
    lists: sqlContactListStore(db),
    contacts: sqlContactStore(db),
    campaigns: sqlCampaignStore(db),
    shortLinks: sqlShortLinkStore(db),
  };
}
