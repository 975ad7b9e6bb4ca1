/**
 * The sends' Laravel violations, in Laravel's order, from the zod schemas plus the post-check. The
 * expectations are what the hand-written validation this replaced answered for the same bodies.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AppError } from "../../errors.js";
import { parseToLists, parseToNumbers } from "./send-validation.js";

const tz = "Europe/Berlin";
const violationsOf = (parse: () => unknown) => {
  try {
    parse();
  } catch (error) {
    assert.ok(error instanceof AppError);
    return error.violations.map((v) => [v.field, v.message]);
  }
  assert.fail("expected a validation error");
};
const numbers = (body: unknown) => violationsOf(() => parseToNumbers(body, tz, Date.now()));
const lists = (body: unknown) => violationsOf(() => parseToLists(body, tz, Date.now()));

describe("FullSMS send validation", () => {
  it("reports presence, type and the message/template rule per field, presence first", () => {
    assert.deepEqual(numbers({ to_numbers: null, from: "  ", message: 5, template_id: "x" }), [
      ["to_numbers", "The to numbers field is required."],
      ["from", "The from field is required."],
      ["message", "The message field prohibits template id from being present."],
      ["message", "The message must be a string."],
    ]);
    assert.deepEqual(numbers({ to_numbers: "x", from: 7, template_id: true }), [
      ["to_numbers", "The to numbers must be an array."],
      ["from", "The from must be a string."],
      ["template_id", "The template id must be a string."],
    ]);
    assert.deepEqual(numbers({ to_numbers: [], from: "x", message: "  ", template_id: " " }), [
      ["to_numbers", "The to numbers field is required."],
      ["message", "The message field is required when template id is not present."],
      ["template_id", "The template id field is required when message is not present."],
    ]);
  });

  it("keeps odd recipients for the use case and checks from's length and send_at", () => {
    assert.deepEqual(
      numbers({ to_numbers: [true, 1.5, "49"], from: "a".repeat(40), message: "hi", send_at: "bad" }),
      [
        ["from", "The from must not be greater than 32 characters."],
        ["send_at", "The send at does not match the format Y-m-d H:i:s."],
      ],
    );
    const ok = parseToNumbers({ to_numbers: [true, 1.5, "49"], from: "x", message: "hi" }, tz, Date.now());
    assert.deepEqual(ok.toNumbers, ["true", "1.5", "49"]);
  });

  it("names each bad list id, and the too-long array beside them", () => {
    assert.deepEqual(lists({ to_list_ids: [1, "2", "x", 1.5, -3], from: "x", message: "hi" }), [
      ["to_list_ids.2", "The to list ids.2 must be an integer."],
      ["to_list_ids.3", "The to list ids.3 must be an integer."],
    ]);
    const tooMany = Array.from({ length: 101 }, (_, i) => (i === 5 ? "bad" : i));
    assert.deepEqual(lists({ to_list_ids: tooMany, from: "x", message: "hi" }), [
      ["to_list_ids", "The to list ids must not have more than 100 items."],
      ["to_list_ids.5", "The to list ids.5 must be an integer."],
    ]);
    assert.deepEqual(
      parseToLists({ to_list_ids: [1, "2"], from: "x", message: "hi" }, tz, Date.now()).listIds,
      [1, 2],
    );
  });
});
