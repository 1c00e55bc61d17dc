// "Your keys" (#/me): sign in with GitHub, see whether you have a Copilot
// seat, and manage your own keys — each runs on your seat. A new key's secret
// is shown once. The session is an HttpOnly cookie this page never sees.
import { useEffect, useState } from "preact/hooks";
import { createPersonalKey, fetchMe, renamePersonalKey, revokePersonalKey, signOut, type Me, type PersonalKey } from "../api/me-api.js";
import { Alert } from "../shared/alert.js";
import { ColumnHeads } from "../shared/column-heads.js";
import { ShownOnce } from "../shared/shown-once.js";

const PROBLEMS: Record<string, string> = {
  declined: "The sign-in was declined on GitHub.",
  expired: "That sign-in took too long or was started in another browser; sign in again.",
  refused: "GitHub did not accept the sign-in; try again.",
  disabled: "An administrator disabled your access to this gateway, so signing in gives you no key. Ask an administrator to enable you again.",
};

export function MePage() {
  const [state, setState] = useState<{ enabled: boolean; me?: Me } | undefined>();
  const [problem, setProblem] = useState<string | undefined>(() => PROBLEMS[new URLSearchParams(location.hash.split("?")[1] ?? "").get("problem") ?? ""]);
  const reload = () => fetchMe().then(setState, (error: unknown) => setProblem(error instanceof Error ? error.message : String(error)));
  useEffect(() => void reload(), []);
  if (!state) return problem ? <Alert message={problem} /> : <p class="hint">Loading…</p>;
  if (!state.enabled) return <p class="notice">Signing in with GitHub is not set up on this gateway.</p>;
  if (!state.me)
    return (
      <section class="card" aria-labelledby="signin-title">
        <h1 id="signin-title">Your keys</h1>
        <Alert message={problem} />
        <p>Sign in with your GitHub account to get keys that run on your own Copilot seat.</p>
        <a class="button" href="/auth/github/login">
          Sign in with GitHub
        </a>
      </section>
    );
  return <SignedIn me={state.me} problem={problem} setProblem={setProblem} reload={reload} />;
}

function SignedIn({ me, problem, setProblem, reload }: { me: Me; problem: string | undefined; setProblem: (text: string | undefined) => void; reload: () => Promise<void> }) {
  const [name, setName] = useState("");
  const [created, setCreated] = useState<{ name: string; secret: string } | undefined>();
  const act = async (action: () => Promise<unknown>) => {
    try {
      setProblem(undefined);
      await action();
      await reload();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    }
  };
  return (
    <section class="card keys" aria-labelledby="me-title">
      <h1 id="me-title">Your keys</h1>
      <p>
        Signed in as <strong data-testid="login">{me.login}</strong>.{" "}
        <button type="button" class="secondary" onClick={() => void act(() => signOut(me))}>
          Sign out
        </button>
      </p>
      <p class={me.seat === "none" ? "error" : "notice"} role="status" data-testid="seat">
        {me.seat === "active" && "You have a Copilot seat: your keys run on it, with your own models and quota."}
        {me.seat === "none" && "Your GitHub account has no Copilot seat, so keys would not work. Ask your administrator for a seat, then sign in again."}
        {me.seat === "unknown" && "GitHub did not say whether you have a Copilot seat; your keys will tell."}
      </p>
      {me.token_state === "refused" && <p class="error">{me.token_problem} Sign in again to use your keys.</p>}
      <Alert message={problem} />
      <table>
        <ColumnHeads names={["Name", "Ends in", "Created", ""]} />
        <tbody>
          {me.keys.map((key) => (
            <KeyRow key={key.id} item={key} onRename={(next) => act(() => renamePersonalKey(me, key.id, next))} onRevoke={() => act(() => revokePersonalKey(me, key.id))} />
          ))}
        </tbody>
      </table>
      {me.keys.length === 0 && <p class="hint">No keys yet.</p>}
      {me.seat !== "none" && (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (name.trim() === "") return;
            void act(async () => {
              const made = await createPersonalKey(me, name.trim());
              setCreated({ name: made.name, secret: made.key });
              setName("");
            });
          }}
        >
          <label for="new-key-name">Name of a new key</label>
          <input id="new-key-name" required maxLength={200} value={name} onInput={(event) => setName(event.currentTarget.value)} />
          <button type="submit">Create key</button>
        </form>
      )}
      {created && (
        <ShownOnce label={`Key ${created.name}`} secret={created.secret} onDone={() => setCreated(undefined)}>
          Key <strong>{created.name}</strong> created. Copy it now: it is shown only once. Use it as the API key of Claude Code, Codex or any OpenAI- or
          Anthropic-compatible tool, with this gateway's address as the base URL (or run <code>copilot-gateway login</code> in a terminal instead).
        </ShownOnce>
      )}
    </section>
  );
}

function KeyRow({ item, onRename, onRevoke }: { item: PersonalKey; onRename: (name: string) => Promise<void>; onRevoke: () => Promise<void> }) {
  const [renaming, setRenaming] = useState<string | undefined>();
  const [confirming, setConfirming] = useState(false);
  return (
    <tr>
      <th scope="row">
        {renaming === undefined ? (
          item.name
        ) : (
          <form onSubmit={(event) => (event.preventDefault(), void onRename(renaming).then(() => setRenaming(undefined)))}>
            <label class="visually-hidden" for={`rename-${item.id}`}>
              New name of {item.name}
            </label>
            <input id={`rename-${item.id}`} required maxLength={200} value={renaming} onInput={(event) => setRenaming(event.currentTarget.value)} />
            <button type="submit">Save</button>
          </form>
        )}
      </th>
      <td>
        <code>{item.hint}</code>
      </td>
      <td>{item.created_at.slice(0, 10)}</td>
      <td class="actions">
        <button type="button" class="secondary" aria-label={`Rename ${item.name}`} onClick={() => setRenaming(renaming === undefined ? item.name : undefined)}>
          Rename
        </button>
        {confirming ? (
          <button type="button" class="danger" aria-label={`Confirm: revoke ${item.name} for good`} onClick={() => void onRevoke()}>
            Confirm revoke
          </button>
        ) : (
          <button type="button" class="secondary" aria-label={`Revoke ${item.name}`} onClick={() => setConfirming(true)}>
            Revoke
          </button>
        )}
      </td>
    </tr>
  );
}
