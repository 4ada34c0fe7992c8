/**
 * JSONP polling (`transport=jsonp`, this project's own): long-polling whose GETs are script
 * tags. `GET ...&j=<n>` is answered `application/javascript` (with `nosniff`) calling a fixed
 * global with the decimal index n, `___sb[n]("<polling payload>")`: never a name taken from the
 * request, and the payload as a script-safe string literal. POSTs are CORS-simple (text/plain),
 * as for polling. A script tag sends no `Origin`, so sessions on this transport are held until
 * a POST or an upgrade passes the origin policy (see the engine's `needsOriginProof`).
 */
import type { IncomingMessage } from "node:http";
import { JSONP_GLOBAL } from "@switchboard/protocol";
import { EngineError } from "../errors.js";
import { queryOf } from "../http-edge.js";
import { parseIndex, scriptLiteral } from "../script-literal.js";
import type { HttpTransportFactory, TransportContext } from "../transport.js";
import { httpTransportFactory } from "./http.js";
import { type PollAnswer, PollingTransport } from "./polling.js";

/** The JSONP transport of one session: polling with script answers. */
export class JsonpTransport extends PollingTransport {
  override readonly name = "jsonp";

  protected override answer(req: IncomingMessage, payload: string): PollAnswer {
    // `j` was checked by the factory before the request reached the transport.
    const index = parseIndex(queryOf(req).get("j")) ?? 0;
    return {
      body: `${JSONP_GLOBAL}[${index}](${scriptLiteral(payload)});`,
      contentType: "application/javascript; charset=UTF-8",
    };
  }
}

/** Refuses a JSONP GET without a valid decimal `j`. */
export function checkJsonpRequest(req: IncomingMessage): EngineError | undefined {
  if (req.method !== "GET" || parseIndex(queryOf(req).get("j")) !== undefined) return undefined;
  return new EngineError("BAD_REQUEST", "JSONP needs a decimal index j", { transport: "jsonp" });
}

/** The JSONP transport's factory for one engine. */
export function jsonpFactory(ctx: TransportContext): HttpTransportFactory {
  return httpTransportFactory({
    name: "jsonp",
    upgradesTo: ["websocket"],
    needsOriginProof: true,
    check: checkJsonpRequest,
    create: (initial) => new JsonpTransport(ctx, initial),
  });
}
