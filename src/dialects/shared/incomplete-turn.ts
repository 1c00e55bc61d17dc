// The failure every dialect reports when a turn's events stop with neither a
// finish nor an error: a partial answer is never passed off as complete
// (DESIGN.md, "Honest endings").
import { GatewayError } from "../../core/gateway-error.js";

export function incompleteTurnError(): GatewayError {
  return new GatewayError({
    status: 502,
    message: "The model's turn ended before it finished; the answer is incomplete.",
    code: "upstream_incomplete",
  });
}
