// How a URL is shown where the operator reads it (error messages, the start-up
// line): a URL may carry a password, a token in its query or a key in its
// fragment, none of which may be echoed.

/** Drops userinfo, query and fragment: the places a URL carries secrets. */
export function redactUrl(text: string): string {
  if (!URL.canParse(text) || !text.includes("://")) return text.replace(/\/\/[^/@\s]*@/, "//");
  const url = new URL(text);
  if (!url.username && !url.password && !url.search && !url.hash) return text;
  url.username = "";
  url.password = "";
  url.search = "";
  url.hash = "";
  return url.toString();
}
