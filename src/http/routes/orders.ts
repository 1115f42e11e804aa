/**
 * Order resources (RFC 8555 §7.4): newOrder, the order URL (POST-as-GET), finalize, and the
 * account's orders list (§7.1.2.1). Objects are rendered from the order a command just committed,
 * from the order service's memory of orders in flight, or else from the projected rows
 * (order-views.ts); changes go through OrderService and its deciders.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { finalizeOrder } from "../../acme/orders/finalize.js";
import { jwkSpkiSha256 } from "../../acme/jws/jwk-spki.js";
import type { OrderState } from "../../domain/order/index.js";
import { accountOrdersPath, acmePaths, orderPath } from "../acme-paths.js";
import { domainProblem } from "../domain-problem.js";
import { AcmeProblem } from "../problem.js";
import type { AcmeEnv } from "../env.js";
import { orderObject } from "../order-objects.js";
import { orderViewOfRow, orderViewOfState, type OrderView } from "../order-views.js";
import { parsePayload } from "../payload.js";
import { notFound, requestMeta, verifyAccountRequest } from "../request-account.js";
import type { OrderRoutesDeps } from "./order-deps.js";

const newOrderPayload = z.object({
  identifiers: z.array(z.unknown()),
  notBefore: z.string().optional(),
  notAfter: z.string().optional(),
  profile: z.string().max(64).optional(),
  replaces: z.string().max(300).optional(),
});

const finalizePayload = z.object({ csr: z.string() });

/** How long finalize waits for the embedded CA before answering `processing` (RFC 8555 §7.4). */
const FINALIZE_WAIT_MS = 5_000;
const DEFAULT_PAGE_SIZE = 100;

export function orderRoutes(deps: OrderRoutesDeps): Hono<AcmeEnv> {
  const app = new Hono<AcmeEnv>();

  app.post(acmePaths.newOrder, async (c) => {
    const { accountId, payload } = await verifyAccountRequest(c);
    const request = parsePayload(newOrderPayload, payload);
    const outcome = await deps.orders.create(accountId, request, requestMeta(c, accountId));
    if (outcome.kind === "rejected") throw domainProblem(outcome.error);
    // The order as its just-committed creation left it: what a read of its row would return.
    const order = orderViewOfState(outcome.order);
    c.header("Location", c.get("externalBaseUrl").base + orderPath(order.orderId));
    return c.json(orderObject(order, c.get("externalBaseUrl").base, deps.clock()), 201);
  });

  app.post(orderPath(":orderId"), async (c) => {
    const { accountId } = await verifyAccountRequest(c);
    return await answerOrder(c, deps, await ownOrder(deps, c.req.param("orderId") ?? "", accountId));
  });

  app.post(`${orderPath(":orderId")}/finalize`, async (c) => {
    const { accountId, payload } = await verifyAccountRequest(c);
    const order = await ownOrderState(deps, c.req.param("orderId") ?? "", accountId);
    const { csr } = parsePayload(finalizePayload, payload);
    const account = await deps.accounts.findById(accountId);
    if (!account) throw notFound("account");
    const outcome = await finalizeOrder(
      deps.finalize,
      { orderId: order.orderId, csr, accountKeySpkiSha256: jwkSpkiSha256(JSON.parse(account.jwk) as Parameters<typeof jwkSpkiSha256>[0]) },
      requestMeta(c, accountId),
    );
    if (outcome.kind === "rejected") throw domainProblem(outcome.error);
    c.header("Location", c.get("externalBaseUrl").base + orderPath(order.orderId));
    // Issued (or refused) within the request: the order is finished as the commit left it.
    if (outcome.order.status === "valid" || outcome.order.status === "invalid") return await answerOrder(c, deps, orderViewOfState(outcome.order));
    // The issuance queue has it: the embedded CA answers in milliseconds, and waiting a little
    // spares the client a polling round; the row then tells what the queue made of it.
    await deps.issuanceSettled(order.orderId, FINALIZE_WAIT_MS);
    return await answerOrder(c, deps, await ownOrder(deps, order.orderId, accountId));
  });

  // RFC 8555 §7.1.2.1: paginated with Link rel="next"; orders are UUIDv7, so id order is creation order.
  app.post(accountOrdersPath(":accountId"), async (c) => {
    const { accountId } = await verifyAccountRequest(c);
    if (accountId !== c.req.param("accountId")) throw notFound("account");
    const base = c.get("externalBaseUrl").base;
    const after = c.req.query("cursor") ?? "";
    // The cursor is an order id this server handed out in a Link header; anything else is not one.
    if (after !== "" && !ORDER_ID.test(after)) throw new AcmeProblem({ type: "malformed", status: 400, detail: "The orders list cursor is not one this server issued." });
    const pageSize = deps.ordersPageSize ?? DEFAULT_PAGE_SIZE;
    // One row more than the page tells whether a next page exists.
    const rows = await deps.orders.ordersPage(accountId, after, pageSize + 1);
    const page = rows.slice(0, pageSize);
    const last = page.at(-1);
    if (rows.length > pageSize && last) {
      c.header("Link", `<${base}${accountOrdersPath(accountId)}?cursor=${last.orderId}>;rel="next"`, { append: true });
    }
    return c.json({ orders: page.map((o) => base + orderPath(o.orderId)) });
  });

  return app;
}

/** The order, from the order service's memory while it is in flight, else from its row. */
async function ownOrder(deps: OrderRoutesDeps, orderId: string, accountId: string): Promise<OrderView> {
  const held = deps.orders.heldOrder(orderId);
  const row = held ? null : await deps.orders.order(orderId);
  const order = held ? orderViewOfState(held) : row && orderViewOfRow(row);
  if (!order || order.accountId !== accountId) throw notFound("order");
  return order;
}

/**
 * The order as its stream tells it, usually from the order service's memory of orders in flight
 * (a finalize follows the validation that made the order ready): the owner check needs no read
 * of the row, and the finalize command decides on this very state.
 */
async function ownOrderState(deps: OrderRoutesDeps, orderId: string, accountId: string): Promise<OrderState> {
  const { state } = await deps.orders.load(orderId);
  if (!state || state.accountId !== accountId) throw notFound("order");
  return state;
}

async function answerOrder(c: Context<AcmeEnv>, deps: OrderRoutesDeps, order: OrderView): Promise<Response> {
  // RFC 8555 §7.4: a processing order tells the client when to look again — in a second while
  // the submission is under way, at the issuance poll interval once the CA holds the request for
  // approval (nothing can change before the server asks the CA again).
  if (order.status === "processing") c.header("Retry-After", String(await processingRetryAfterSeconds(deps, order.orderId)));
  return c.json(orderObject(order, c.get("externalBaseUrl").base, deps.clock()));
}

async function processingRetryAfterSeconds(deps: OrderRoutesDeps, orderId: string): Promise<number> {
  const { state } = await deps.orders.load(orderId);
  return state?.pendingRequestId ? Math.max(1, Math.ceil(deps.heldRequestPollMs / 1000)) : 1;
}

const ORDER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
