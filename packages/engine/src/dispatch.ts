/**
 * The last step of a request or upgrade that passed the admission: a session's request goes to
 * its transport (an upgrade starts onto the new one); a handshake opens a session under the id
 * the admission reserved. Synchronous, right after the session was checked.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { trace } from "./debug.js";
import type { Session } from "./session.js";
import type { SessionRegistry } from "./session-registry.js";
import type {
  HttpServerTransport,
  HttpTransportFactory,
  UpgradeTransportFactory,
} from "./transport.js";

/** Opens a session on an HTTP transport; the handshake request is its first request. */
export function openHttpSession(
  registry: SessionRegistry,
  id: string,
  factory: HttpTransportFactory,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const transport = factory.create(req, true);
  const held = factory.needsOriginProof === true;
  registry.register(id, req, transport, held, () => transport.handleRequest(req, res));
}

/**
 * Hands a checked request of `session` on transport `factory` to the transport that takes it:
 * the session's own; the one it is upgrading to; or, for the GET of an HTTP stream the session
 * may upgrade to (the only other request the check lets through), a new one onto which an
 * upgrade starts (its probe follows in a POST).
 */
export function routeRequest(
  session: Session,
  factory: HttpTransportFactory,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  let transport: HttpServerTransport;
  if (session.transport.name === factory.name) {
    transport = session.rawTransport as HttpServerTransport;
  } else if (session.upgradingTo?.name === factory.name) {
    transport = session.upgradingTo as HttpServerTransport;
  } else {
    transport = factory.create(req, false);
    session.startUpgrade(transport);
  }
  transport.handleRequest(req, res);
}

/** Opens a session on a transport opened by an upgrade. */
export function openUpgradeSession(
  registry: SessionRegistry,
  id: string,
  factory: UpgradeTransportFactory,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): void {
  const held = factory.needsOriginProof === true;
  factory.accept(req, socket, head, true, (transport) =>
    registry.register(id, req, transport, held),
  );
}

/** Accepts a checked upgrade of `session`: an upgrade attempt starts onto the new transport. */
export function upgradeSession(
  session: Session,
  factory: UpgradeTransportFactory,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): void {
  factory.accept(req, socket, head, false, (transport) => {
    if (session.canUpgradeTo(factory.name)) session.startUpgrade(transport);
    else {
      // Already on it, upgrading, or closed meanwhile: open then close, as Engine.IO does.
      trace("extra websocket closed", { sid: session.id, transport: factory.name });
      transport.close("immediate");
    }
  });
}
