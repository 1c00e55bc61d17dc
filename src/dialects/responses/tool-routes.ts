// Which tool the client declared stands behind each name offered to the model.
//
// The model sees one flat list of functions. A Responses request can group
// tools in namespaces (`{type:"namespace", name, tools:[…]}`: Codex offers its
// multi-agent tools and its MCP servers this way), and two namespaces may
// each hold a tool of the same name, so a member is offered as
// `<namespace>__<name>`, made unique against every other offered name. A call
// goes back to the client as the API makes it, with the member `name` and its
// `namespace`; history the client replays (`function_call` items carrying a
// `namespace`) maps back to the offered name, so the session and the ledger
// see the calls the model made.

export interface ToolRoute {
  /** The tool's own name, as the client declared it (`tool_search` has none: it is called that). */
  name: string;
  namespace?: string;
  /** What its calls become: `function_call`, `custom_tool_call` or `tool_search_call` items. */
  kind: "function" | "custom" | "tool_search";
}

/** Providers accept function names of at most 64 characters of `[A-Za-z0-9_-]`. */
const MAX_NAME = 64;

export class ToolRoutes {
  private readonly byOffered = new Map<string, ToolRoute>();
  private readonly byDeclared = new Map<string, string>();

  /** Registers a declared tool and returns the unique name it is offered under. */
  offer(route: ToolRoute): string {
    const base = composedName(route.name, route.namespace);
    let offered = base;
    for (let n = 2; this.byOffered.has(offered); n++) offered = `${base.slice(0, MAX_NAME - String(n).length - 1)}_${n}`;
    this.byOffered.set(offered, route);
    this.byDeclared.set(declaredKey(route.name, route.namespace), offered);
    return offered;
  }

  /** The declared tool behind an offered name; undefined for a name nobody declared. */
  route(offered: string): ToolRoute | undefined {
    return this.byOffered.get(offered);
  }

  /** The offered name of a declared tool; for one not declared in this request, the name it would get. */
  offeredName(name: string, namespace?: string): string {
    return this.byDeclared.get(declaredKey(name, namespace)) ?? composedName(name, namespace);
  }

  isCustom(offered: string): boolean {
    return this.byOffered.get(offered)?.kind === "custom";
  }

  /** Whether this declared tool is offered already (a tool search may load one twice). */
  has(name: string, namespace?: string): boolean {
    return this.byDeclared.has(declaredKey(name, namespace));
  }
}

function composedName(name: string, namespace: string | undefined): string {
  const full = namespace ? `${namespace}__${name}` : name;
  return full.length > MAX_NAME ? full.slice(0, MAX_NAME) : full;
}

function declaredKey(name: string, namespace: string | undefined): string {
  return `${namespace ?? ""}\u0000${name}`;
}
