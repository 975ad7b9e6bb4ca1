/** The delivery store contract on every store: in memory, SQLite and PostgreSQL (when installed). */
import { renderLox24Webhook } from "../../src/api/lox24/webhook-events.js";
import { openMemoryStore } from "../../src/store/memory/index.js";
import { openStore } from "../../src/store/open.js";
import { GATEWAY_STORE_OPTIONS, storeTargets } from "../helpers/stores.js";
import { runStoreContract } from "./store.contract.js";

runStoreContract("memory", async () => openMemoryStore({ renderWebhook: renderLox24Webhook }));
for (const target of storeTargets) {
  runStoreContract(
    target.name,
    async () => openStore(await target.url(), GATEWAY_STORE_OPTIONS),
    target.skip,
  );
}
