// Defence against DNS rebinding for a gateway that needs no key: a page on
// evil.example can point its own hostname at 127.0.0.1 and then talk to the
// gateway "same-origin". Browsers still send the page's hostname in Host, so
// only loopback names are served.
import type { MiddlewareHandler } from "hono";
import { GatewayError } from "../core/gateway-error.js";

const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i;

export function loopbackHostsOnly(): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header("host") ?? new URL(c.req.url).host;
    if (!LOOPBACK_HOST.test(host)) {
      throw new GatewayError({
        status: 403,
        type: "permission_error",
        code: "host_not_allowed",
        message: "This gateway needs no API key, so it answers only requests addressed to localhost. Set GATEWAY_API_KEYS to serve other host names.",
      });
    }
    return next();
  };
}
