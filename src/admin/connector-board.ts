/**
 * What the console shows about each connector: up or down since when, binds, last error, window use and
 * pace; gathered from the connector port's events, so it works for any connector, not only SMPP.
 */
import type { Connector } from "../delivery/connector.js";

export interface ConnectorState {
  id: string;
  up: boolean;
  since: number | null;
  binds: number;
  lastError: string | null;
  lastErrorAt: number | null;
  load: { inFlight: number; waiting: number; rate: number } | null;
  /** Messages submitted per second, last minute. */
  throughput: number;
}

export interface RouteView {
  prefixes: readonly string[];
  countries: readonly string[];
  accountIds: readonly number[];
  connectors: readonly string[];
}

type WithLoad = Connector & { load?: { inFlight: number; waiting: number; rate: number } };

export class ConnectorBoard {
  readonly #state = new Map<string, Omit<ConnectorState, "up" | "load" | "throughput">>();

  constructor(
    private readonly connectors: ReadonlyMap<string, Connector>,
    readonly routes: readonly RouteView[],
    now: () => number,
    private readonly pace: ReadonlyMap<string, { perSecond(): number }> = new Map(),
  ) {
    for (const c of connectors.values()) {
      // A connector may have bound before the board was made.
      const up = c.isUp();
      const s = {
        id: c.id,
        since: up ? now() : null,
        binds: up ? 1 : 0,
        lastError: null as string | null,
        lastErrorAt: null as number | null,
      };
      this.#state.set(c.id, s);
      c.on("up", () => {
        s.since = now();
        s.binds++;
      });
      c.on("down", (error) => {
        s.since = now();
        if (error) {
          s.lastError = error.message;
          s.lastErrorAt = now();
        }
      });
    }
  }

  snapshot(): ConnectorState[] {
    return [...this.connectors.values()].map((c) => ({
      ...this.#state.get(c.id)!,
      up: c.isUp(),
      load: (c as WithLoad).load ?? null,
      throughput: this.pace.get(c.id)?.perSecond() ?? 0,
    }));
  }
}
