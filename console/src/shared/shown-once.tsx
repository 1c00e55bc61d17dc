// A new key's secret, shown the one time it can be: selected on focus, and
// gone from the page with "Done". The gateway keeps only its hash.
import type { ComponentChildren } from "preact";

export function ShownOnce({ label, secret, onDone, children }: { label: string; secret: string; onDone: () => void; children: ComponentChildren }) {
  return (
    <div class="created" role="status">
      <p>{children}</p>
      <label for="created-secret">{label}</label>
      <input id="created-secret" readOnly value={secret} onFocus={(event) => event.currentTarget.select()} />
      <button type="button" class="secondary" onClick={onDone}>
        Done
      </button>
    </div>
  );
}
