import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StatementNames } from "./named-statements.js";

describe("StatementNames", () => {
  it("names a text the second time it is seen, and keeps that name", () => {
    const names = new StatementNames();
    assert.equal(names.nameFor("select 1"), undefined);
    const name = names.nameFor("select 1");
    assert.ok(name);
    assert.equal(names.nameFor("select 1"), name);
    assert.notEqual(names.nameFor("select 2") ?? names.nameFor("select 2"), name);
  });

  it("names at most maxNamed texts; the rest run unnamed", () => {
    const names = new StatementNames(2);
    for (const text of ["a", "a", "b", "b", "c", "c"]) names.nameFor(text);
    assert.equal(names.size, 2);
    assert.equal(names.nameFor("c"), undefined);
    assert.ok(names.nameFor("a"));
  });

  it("gives a renewed text a new name, so it is prepared afresh", () => {
    const names = new StatementNames();
    names.nameFor("select *");
    const first = names.nameFor("select *");
    names.renew("select *");
    const second = names.nameFor("select *");
    assert.ok(second);
    assert.notEqual(second, first);
  });
});
