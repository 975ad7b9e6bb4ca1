/** JSON-LD collections with the hydra:view paging block (the official PHP client fails without it). */
import type { Message } from "../../core/message.js";
import type { MessageQuery } from "../../store/ports/index.js";
import { smsBody } from "./representation.js";

function pageUrl(url: string, page: number): string {
  const [path, search = ""] = url.split("?");
  const params = new URLSearchParams(search);
  params.set("page", String(page));
  return `${path}?${params.toString()}`;
}

export function hydraCollection(url: string, query: MessageQuery, items: Message[], total: number) {
  const last = Math.max(1, Math.ceil(total / query.perPage));
  const view: Record<string, string> = {
    "@id": pageUrl(url, query.page),
    "@type": "hydra:PartialCollectionView",
    "hydra:first": pageUrl(url, 1),
    "hydra:last": pageUrl(url, last),
  };
  if (query.page > 1) view["hydra:previous"] = pageUrl(url, Math.min(query.page - 1, last));
  if (query.page < last) view["hydra:next"] = pageUrl(url, query.page + 1);
  return {
    "@context": "/contexts/sms",
    "@id": "/sms",
    "@type": "hydra:Collection",
    "hydra:member": items.map((m) => smsBody(m, true)),
    "hydra:totalItems": total,
    "hydra:view": view,
  };
}
