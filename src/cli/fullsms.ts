/**
 * FullSMS operator commands: the numbers, sender IDs, templates, contact lists and contacts behind the
 * FullSMS API, and campaign progress. Every command takes --json.
 */
import type { Command } from "commander";
import { type ImportReport, importContacts, importedNothing } from "../app/fullsms/import-contacts.js";
import {
  addNumber,
  createTemplate,
  decideSenderId,
  removeNumber,
  requestSenderId,
} from "../app/fullsms/manage-catalogue.js";
import { addContact, createList, removeContact, showCampaign } from "../app/fullsms/manage-lists.js";
import { fromMicros } from "../core/money.js";
import { AppError } from "../errors.js";
import type { Campaign, SenderId } from "../store/ports/index.js";
import type { CliContext } from "./context.js";
import { type OutputOptions, table } from "./output.js";
import { formatCount, type ProgressStream, progressLine } from "./progress.js";

type Run = (fn: (ctx: CliContext) => Promise<void>) => Promise<void>;
/** Where command output goes: stdout, or a test's buffer. */
type Write = (text: string) => void;
type Print = (options: OutputOptions, data: unknown, human: () => string) => void;

/** output.ts's print through `write`: a human text, or with --json one JSON document. */
const printer =
  (write: Write): Print =>
  (options, data, human) =>
    write(options.json ? `${JSON.stringify(data, null, 2)}\n` : `${human()}\n`);

const id = (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new AppError("validation", `not an id: ${value}`);
  return n;
};

const when = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const senderView = (s: SenderId) => ({ id: s.id, account_id: s.accountId, name: s.name, status: s.status });

export function campaignView(c: Campaign) {
  return {
    id: c.id,
    account_id: c.accountId,
    kind: c.kind,
    status: c.status,
    enqueued: c.enqueued,
    skipped: c.skipped,
    debited: fromMicros(c.debitedMicros),
    cursor: c.cursor,
    failure_reason: c.failureReason,
    sender: c.sender,
    list_ids: c.listIds,
    template_id: c.templateId,
    send_at: c.deliverAt > 0 ? new Date(c.deliverAt * 1000).toISOString() : null,
    created_at: when(c.createdAt),
    updated_at: when(c.updatedAt),
    finished_at: when(c.finishedAt),
  };
}

function registerNumberCommands(program: Command, run: Run, print: Print) {
  const numbers = program.command("numbers").description("FullSMS: numbers assigned to accounts (from, inbound)");
  numbers
    .command("add <accountId> <number>")
    .option("--country <iso2>", "country of the number (default: from the number, else the account's)")
    .option("--json")
    .action((accountId, number, o) =>
      run(async ({ deps }) => {
        const { number: added, recognised } = await addNumber(deps, id(accountId), number, o.country);
        const view = { number: added.number, country: added.country, account_id: added.accountId, recognised };
        print(o, view, () =>
          [
            `number ${added.number} (${added.country}) assigned to account ${added.accountId}`,
            ...(recognised ? [] : ["note: not a number libphonenumber knows; stored as written"]),
          ].join("\n"),
        );
      }),
    );
  numbers
    .command("list <accountId>")
    .option("--json")
    .action((accountId, o) =>
      run(async ({ deps }) => {
        const list = (await deps.store.fullsms.numbers.list(id(accountId))).map((n) => ({
          number: n.number,
          country: n.country,
          added_at: when(n.createdAt),
        }));
        print(o, list, () => table(list));
      }),
    );
  numbers
    .command("remove <accountId> <number>")
    .option("--json")
    .action((accountId, number, o) =>
      run(async ({ deps }) => {
        await removeNumber(deps, id(accountId), number);
        print(o, { account_id: id(accountId), number, removed: true }, () => `number ${number} removed`);
      }),
    );
}

function registerSenderIdCommands(program: Command, run: Run, print: Print) {
  const senderIds = program.command("senderids").description("FullSMS: custom sender IDs (approved ones may be used as from)");
  senderIds
    .command("request <accountId> <name>")
    .option("--json")
    .action((accountId, name, o) =>
      run(async ({ deps }) => {
        const s = await requestSenderId(deps, id(accountId), name);
        print(o, senderView(s), () => `sender ID ${s.id} "${s.name}" is ${s.status}`);
      }),
    );
  for (const [verb, approve] of [
    ["approve", true],
    ["reject", false],
  ] as const) {
    senderIds
      .command(`${verb} <senderId>`)
      .option("--json")
      .action((senderId, o) =>
        run(async ({ deps }) => {
          const s = await decideSenderId(deps, id(senderId), approve);
          print(o, senderView(s), () => `sender ID ${s.id} "${s.name}" is ${s.status}`);
        }),
      );
  }
  senderIds
    .command("list <accountId>")
    .option("--json")
    .action((accountId, o) =>
      run(async ({ deps }) => {
        const list = (await deps.store.fullsms.senderIds.list(id(accountId))).map(senderView);
        print(o, list, () => table(list));
      }),
    );
}

function registerTemplateCommands(program: Command, run: Run, print: Print) {
  const templates = program.command("templates").description("FullSMS: message templates");
  templates
    .command("create <accountId>")
    .requiredOption("--name <name>")
    .requiredOption("--content <text>")
    .option("--json")
    .action((accountId, o) =>
      run(async ({ deps }) => {
        const t = await createTemplate(deps, id(accountId), o.name, o.content);
        print(o, { template_id: t.id, account_id: t.accountId, name: t.name, content: t.content }, () => `template ${t.id} created`);
      }),
    );
  templates
    .command("list <accountId>")
    .option("--json")
    .action((accountId, o) =>
      run(async ({ deps }) => {
        const list = (await deps.store.fullsms.templates.list(id(accountId))).map((t) => ({
          template_id: t.id,
          name: t.name,
          content: t.content,
        }));
        print(o, list, () => table(list));
      }),
    );
}

function registerListCommands(program: Command, run: Run, print: Print, progress: ProgressStream) {
  const lists = program.command("lists").description("FullSMS: contact lists");
  lists
    .command("create <accountId>")
    .requiredOption("--name <name>")
    .option("--subscribe-word <word>", "an inbound SMS of only this word subscribes the sender")
    .option("--json")
    .action((accountId, o) =>
      run(async ({ deps }) => {
        const l = await createList(deps, id(accountId), o.name, o.subscribeWord);
        print(o, { list_id: l.id, account_id: l.accountId, name: l.name, subscribe_word: l.subscribeWord }, () => `list ${l.id} created`);
      }),
    );
  lists
    .command("list <accountId>")
    .option("--json")
    .action((accountId, o) =>
      run(async ({ deps }) => {
        const list = (await deps.store.fullsms.lists.list(id(accountId))).map((l) => ({
          list_id: l.id,
          name: l.name,
          subscribe_word: l.subscribeWord,
          subscribed_contacts: l.subscribedContacts,
        }));
        print(o, list, () => table(list));
      }),
    );

  const contacts = program.command("contacts").description("FullSMS: contacts of a list (numbers read in the account's country)");
  contacts
    .command("add <listId> <number>")
    .option("--json")
    .action((listId, number, o) =>
      run(async ({ deps }) => {
        const r = await addContact(deps, id(listId), number);
        const view = { list_id: r.listId, phone: r.phone, added: r.added, opted_out: r.optedOut };
        print(o, view, () =>
          [
            `${r.phone} ${r.added ? "added to" : "already on"} list ${r.listId}`,
            ...(r.optedOut ? ["note: this number opted out of the account; campaigns skip it"] : []),
          ].join("\n"),
        );
      }),
    );
  contacts
    .command("import <listId> <file>")
    .description(
      "CSV: one number per row (first column, or the column headed phone/number/mobile). Bad rows are " +
        "reported; exits 1 only when no row could be imported or the file cannot be read",
    )
    .option("--json")
    .action((listId, file, o) =>
      run(async ({ deps }) => {
        const started = Date.now();
        const line = progressLine(progress);
        const status = (r: Readonly<ImportReport>) => {
          const seconds = Math.max((Date.now() - started) / 1000, 0.001);
          const rate = formatCount(r.rows / seconds);
          return `importing: ${formatCount(r.rows)} rows read, ${rate} rows/s, ${formatCount(r.invalid)} invalid`;
        };
        const onProgress = (report: Readonly<ImportReport>) => line.update(status(report));
        const r = await importContacts(deps, id(listId), file, { onProgress });
        line.done(status(r));
        const view = {
          list_id: r.listId,
          rows: r.rows,
          added: r.added,
          resubscribed: r.resubscribed,
          unchanged: r.unchanged,
          invalid: r.invalid,
          errors: r.errors,
        };
        print(o, view, () =>
          [
            `${r.rows} rows: ${r.added} added, ${r.resubscribed} re-subscribed, ${r.unchanged} unchanged, ${r.invalid} invalid`,
            ...r.errors,
            ...(r.invalid > r.errors.length ? [`… and ${r.invalid - r.errors.length} more invalid rows`] : []),
          ].join("\n"),
        );
        // Bad rows are reported, not fatal: a 100,000-row file with 5 bad rows did its job.
        if (importedNothing(r)) process.exitCode = 1;
      }),
    );
  contacts
    .command("remove <listId> <number>")
    .option("--json")
    .action((listId, number, o) =>
      run(async ({ deps }) => {
        const r = await removeContact(deps, id(listId), number);
        print(o, { list_id: r.listId, phone: r.phone, removed: true }, () => `${r.phone} removed from list ${r.listId}`);
      }),
    );
}

function registerCampaignCommands(program: Command, run: Run, print: Print) {
  const campaigns = program.command("campaigns").description("FullSMS: campaigns and their progress");
  campaigns
    .command("show <campaignId>")
    .option("--json")
    .action((campaignId, o) =>
      run(async ({ deps }) => {
        const view = campaignView(await showCampaign(deps, String(campaignId)));
        print(o, view, () =>
          Object.entries(view)
            .map(([k, v]) => `${k.padEnd(15)}${Array.isArray(v) ? v.join(",") : (v ?? "")}`)
            .join("\n"),
        );
      }),
    );
}

export function registerFullsmsCommands(
  program: Command,
  run: Run,
  write: Write = (text) => process.stdout.write(text),
  /** Where a long command shows its progress line; only a terminal gets one. */
  progress: ProgressStream = process.stderr,
): void {
  const print = printer(write);
  registerNumberCommands(program, run, print);
  registerSenderIdCommands(program, run, print);
  registerTemplateCommands(program, run, print);
  registerListCommands(program, run, print, progress);
  registerCampaignCommands(program, run, print);
}
