// Where the user writes: Enter sends, Shift+Enter is a new line; while an
// answer runs, Stop (or Escape) aborts it.
import { useState } from "preact/hooks";

interface ComposerProps {
  running: boolean;
  disabled: boolean;
  onSend: (text: string) => void;
  onStop: () => void;
}

export function Composer({ running, disabled, onSend, onStop }: ComposerProps) {
  const [text, setText] = useState("");
  const send = () => {
    if (running || disabled || text.trim() === "") return;
    onSend(text);
    setText("");
  };
  return (
    <form
      class="composer"
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
    >
      <label for="message">Message</label>
      <textarea
        id="message"
        rows={3}
        value={text}
        aria-describedby="message-hint"
        onInput={(event) => setText(event.currentTarget.value)}
        onKeyDown={(event) => {
          if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
            send();
          } else if (event.key === "Escape" && running) onStop();
        }}
      />
      <p id="message-hint" class="hint">
        Enter sends, Shift+Enter starts a new line, Escape stops an answer.
      </p>
      <div class="buttons">
        {running ? (
          <button type="button" class="stop" onClick={onStop}>
            Stop
          </button>
        ) : (
          <button type="submit" disabled={disabled || text.trim() === ""}>
            Send
          </button>
        )}
      </div>
    </form>
  );
}
