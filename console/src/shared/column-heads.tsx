// A table's header row: one column header per name (an empty name is announced as `hidden`, for a column of buttons).
export function ColumnHeads({ names, hidden = "Actions" }: { names: readonly string[]; hidden?: string }) {
  return (
    <thead>
      <tr>
        {names.map((name) => (
          <th scope="col" key={name}>
            {name || <span class="sr-only">{hidden}</span>}
          </th>
        ))}
      </tr>
    </thead>
  );
}
