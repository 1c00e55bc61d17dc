// The console's entry: three pages, chosen by the URL's hash so that / and
// /console serve the same file: the playground (#/), usage (#/usage) and
// a signed-in person's own keys (#/me).
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Playground } from "./playground/playground.js";
import { MePage } from "./me/me-page.js";
import { Alert } from "./shared/alert.js";
import "./styles.css";

type Page = "playground" | "usage" | "me";

function pageOf(hash: string): Page {
  return hash.startsWith("#/usage") ? "usage" : hash.startsWith("#/me") ? "me" : "playground";
}

const TITLES: Record<Page, string> = { playground: "Playground", usage: "Usage", me: "Your keys" };

function Console() {
  const [page, setPage] = useState<Page>(pageOf(location.hash));
  useEffect(() => {
    const follow = () => setPage(pageOf(location.hash));
    addEventListener("hashchange", follow);
    return () => removeEventListener("hashchange", follow);
  }, []);
  useEffect(() => {
    document.title = `${TITLES[page]} · copilot-gateway`;
  }, [page]);
  return (
    <>
      <a class="skip" href="#main" onClick={(event) => (event.preventDefault(), document.getElementById("main")?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">copilot-gateway</span>
        <nav aria-label="Console">
          <a href="#/" aria-current={page === "playground" ? "page" : undefined}>
            Playground
          </a>
          <a href="#/usage" aria-current={page === "usage" ? "page" : undefined}>
            Usage
          </a>
          <a href="#/me" aria-current={page === "me" ? "page" : undefined}>
            Your keys
          </a>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        {page === "usage" ? <UsagePage /> : page === "me" ? <MePage /> : <Playground />}
      </main>
    </>
  );
}

type DashboardModule = typeof import("./dashboard/dashboard.js");

/** The dashboard and its charting library load only when an admin opens it: the playground stays small. */
function UsagePage() {
  const [loaded, setLoaded] = useState<DashboardModule | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  useEffect(() => {
    import("./dashboard/dashboard.js").then(setLoaded, (error: unknown) => setProblem(`The dashboard did not load: ${String(error)}`));
  }, []);
  if (problem) return <Alert message={problem} />;
  return loaded ? <loaded.Dashboard /> : <p class="hint">Loading the dashboard…</p>;
}

render(<Console />, document.getElementById("app")!);
