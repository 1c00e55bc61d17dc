// Asks for a key when the gateway wants one. The key stays in the page's
// memory unless the user ticks "remember", which puts it in localStorage.
import { useState } from "preact/hooks";
import { isRemembered, saveCredential, type CredentialKind } from "../api/credentials.js";

interface KeyFormProps {
  kind: CredentialKind;
  label: string;
  /** Why the key is asked for: the gateway's own message when it refused one. */
  reason?: string | undefined;
  onSaved: () => void;
}

export function KeyForm({ kind, label, reason, onSaved }: KeyFormProps) {
  const [value, setValue] = useState("");
  const [remember, setRemember] = useState(isRemembered(kind));
  const id = `key-${kind}`;
  return (
    <form
      class="key-form card"
      aria-labelledby={`${id}-title`}
      onSubmit={(event) => {
        event.preventDefault();
        if (value.trim() === "") return;
        saveCredential(kind, value.trim(), remember);
        setValue("");
        onSaved();
      }}
    >
      <h2 id={`${id}-title`}>{label} needed</h2>
      {reason && <p class="notice" role="alert">{reason}</p>}
      <label for={id}>{label}</label>
      <input id={id} type="password" autocomplete="off" spellcheck={false} required value={value} onInput={(event) => setValue(event.currentTarget.value)} />
      <label class="inline">
        <input type="checkbox" checked={remember} onChange={(event) => setRemember(event.currentTarget.checked)} /> Remember it in this browser
      </label>
      <p class="hint">
        The key is sent only to this gateway, as an <code>Authorization: Bearer</code> header. It stays in this page's memory and is gone when you close
        it, unless you tick "Remember", which keeps it in this browser's local storage until you forget it.
      </p>
      <button type="submit">Use this key</button>
    </form>
  );
}
