import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseCollectionQuery, valuesOf } from "./collection-query.js";

const query = (raw: Record<string, string | string[]>) => {
  const parsed = parseCollectionQuery(raw);
  assert.ok("query" in parsed, JSON.stringify(parsed));
  return parsed.query;
};

describe("LOX24 collection filters", () => {
  it("reads every array spelling PHP's http_build_query produces", () => {
    assert.deepEqual(valuesOf({ iso2: "DE" }, "iso2"), ["DE"]);
    assert.deepEqual(valuesOf({ "iso2[]": ["DE", "AT"] }, "iso2"), ["DE", "AT"]);
    assert.deepEqual(
      valuesOf({ "iso2[0]": "DE", "iso2[1]": "AT", "iso22[0]": "X", "created_at[gt]": "1" }, "iso2"),
      ["DE", "AT"],
    );
    assert.deepEqual(query({ "iso2[0]": "de", "iso2[1]": "AT,CH" }).iso2, ["DE", "AT", "CH"]);
    assert.deepEqual(query({ "status_code[0]": "100", "status_code[1]": "0" }).statusCode, [100, 0]);
  });

  it("takes uuids, partial text and the digits of a partial phone", () => {
    const q = query({
      "uuid[0]": "0190A2B4-0000-7000-8000-000000000001",
      text: "50% off",
      "phone[]": ["+1 415 555", "0049170"],
    });
    assert.deepEqual(q.uuids, ["0190a2b4-0000-7000-8000-000000000001"]);
    assert.equal(q.textContains, "50% off");
    assert.deepEqual(q.phoneContains, ["1415555", "49170"]);
    assert.equal(query({ phone: "" }).phoneContains, undefined);
    assert.deepEqual(parseCollectionQuery({ phone: "abc" }), {
      violations: [{ field: "phone", message: "This value is not a valid phone number." }],
    });
  });
});
