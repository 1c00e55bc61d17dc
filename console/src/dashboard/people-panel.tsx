// The people who signed in with GitHub: their seat, whether GitHub still
// renews their sign-in (and why not), their keys and last use; disable a
// person (every key of theirs stops at once) or enable them again.
import { useState } from "preact/hooks";
import { setPersonStatus, type PersonView } from "../api/admin-api.js";
import { Alert } from "../shared/alert.js";
import { ColumnHeads } from "../shared/column-heads.js";

const when = (iso: string | null) => (iso === null ? "never" : <time dateTime={iso}>{new Date(iso).toLocaleString()}</time>);

export function PeoplePanel({ people, onChanged }: { people: readonly PersonView[] | undefined; onChanged: () => void }) {
  const [confirming, setConfirming] = useState<string | undefined>();
  const [problem, setProblem] = useState<string | undefined>();

  const change = async (person: PersonView, status: "active" | "disabled") => {
    try {
      await setPersonStatus(person.id, status);
      setConfirming(undefined);
      setProblem(undefined);
      onChanged();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    }
  };

  return (
    <section class="card people" aria-labelledby="people-title">
      <h2 id="people-title">People</h2>
      <Alert message={problem} />
      {people === undefined ? (
        <p class="hint">This gateway has no sign-in with GitHub.</p>
      ) : people.length === 0 ? (
        <p class="hint">Nobody has signed in with GitHub yet.</p>
      ) : (
        <table>
          <ColumnHeads names={["Login", "Seat", "Status", "Sign-in", "Keys", "Last used", ""]} />
          <tbody>
            {people.map((person) => (
              <tr key={person.id}>
                <th scope="row">{person.login}</th>
                <td>{person.seat}</td>
                <td>{person.status}</td>
                <td>{person.token_state === "valid" ? "valid" : `refused: ${person.token_problem ?? "GitHub refused to renew it"}`}</td>
                <td>
                  {person.keys.length === 0
                    ? "none"
                    : person.keys.map((key) => (
                        <div key={key.id}>
                          {key.name} <code>{key.hint}</code> ({key.status}, last used {when(key.last_used_at)})
                        </div>
                      ))}
                </td>
                <td>{when(person.last_used_at)}</td>
                <td class="actions">
                  {person.status === "disabled" ? (
                    <button type="button" class="secondary" aria-label={`Enable ${person.login}`} onClick={() => void change(person, "active")}>
                      Enable
                    </button>
                  ) : confirming === person.id ? (
                    <button type="button" class="danger" aria-label={`Confirm: disable ${person.login} and stop all their keys`} onClick={() => void change(person, "disabled")}>
                      Confirm disable
                    </button>
                  ) : (
                    <button type="button" class="secondary" aria-label={`Disable ${person.login}`} onClick={() => setConfirming(person.id)}>
                      Disable
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
