/** Parts whose receipt is late: the gateway asks the SMSC about them (query_sm). */
import { Dlr, Status } from "../../../core/message.js";
import type { DeliveryStore, EnRoutePart } from "../../ports/index.js";
import type { Db } from "../db.js";

/** States of a part the SMSC has not finished with. */
const NOT_FINAL = ["ENROUTE", "ACCEPTD"];

export function sqlEnRouteParts({ kysely }: Db): DeliveryStore["enRouteParts"] {
  return async (since, before, limit, cursor) => {
    let query = kysely
      .selectFrom("message_parts as p")
      .innerJoin("messages as m", "m.uuid", "p.message_uuid")
      .select([
        "p.message_uuid",
        "p.part_index",
        "p.connector_id",
        "p.smsc_id",
        "p.updated_at",
        "m.sender_id",
      ])
      .where("p.state", "in", NOT_FINAL)
      .where("p.updated_at", ">=", since)
      .where("p.updated_at", "<", before)
      .where("m.status_code", "=", Status.TRANSMITTED)
      .where("m.dlr_code", "in", [Dlr.NONE, Dlr.EN_ROUTE])
      .orderBy("p.updated_at")
      .orderBy("p.message_uuid")
      .orderBy("p.part_index")
      .limit(limit);
    if (cursor) {
      const { submittedAt, messageUuid, partIndex } = cursor;
      query = query.where((eb) =>
        eb.or([
          eb("p.updated_at", ">", submittedAt),
          eb.and([eb("p.updated_at", "=", submittedAt), eb("p.message_uuid", ">", messageUuid)]),
          eb.and([
            eb("p.updated_at", "=", submittedAt),
            eb("p.message_uuid", "=", messageUuid),
            eb("p.part_index", ">", partIndex),
          ]),
        ]),
      );
    }
    const rows = await query.execute();
    return rows.map(
      (r): EnRoutePart => ({
        messageUuid: r.message_uuid,
        partIndex: Number(r.part_index),
        connectorId: r.connector_id,
        smscId: r.smsc_id,
        source: r.sender_id,
        submittedAt: Number(r.updated_at),
      }),
    );
  };
}
