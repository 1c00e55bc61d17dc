// docs/configuration.md as a function of the settings table: the page is
// rendered here, written by write-configuration-page.ts and compared with the
// file on disk by configuration-page.test.ts. Pure: text in, text out.
import { SETTING_GROUPS, SETTING_LIST, type SettingDefinition, type SettingGroup } from "../../src/config/settings.js";

export const CONFIGURATION_PAGE_PATH = "docs/configuration.md";

const INTRO = `<!-- Generated from src/config/settings.ts by \`npm run docs:config\`: change the table there and run it; do not edit this page. -->

# Configuration

Every setting the gateway takes: its flag, its environment variable, its
default and what it does. \`npm start -- --help\` prints the same list;
[operations](operations.md#configuration) has notes on some settings.

## Giving settings

Each setting is a flag and an environment variable. Flags follow
\`npm start --\` (or the \`copilot-gateway\` command, when installed):

\`\`\`sh
npm start -- --port 8080 --log-level debug
PORT=8080 GATEWAY_LOG_LEVEL=debug npm start
\`\`\`

- A flag is \`--name value\` or \`--name=value\`; a yes-or-no setting
  (\`--strict-openai\`) given alone means yes.
- The flag wins over the environment variable. An empty variable counts as
  unset; where a setting reads several variables, the first one set wins.
- A bad value or an unknown flag stops the gateway with one line naming the
  setting, and exit status 2.
- The \`keys\` and \`usage\` commands find the database through \`--data-dir\`
  and \`--database-url\` (and their variables) the same way.
`;

/** The whole page, every setting once, grouped by what it is for. */
export function renderConfigurationPage(): string {
  const groups = Object.keys(SETTING_GROUPS) as SettingGroup[];
  const contents = groups.map((group) => `- [${SETTING_GROUPS[group].title}](#${headingAnchor(SETTING_GROUPS[group].title)})`);
  const sections = groups.map((group) => renderGroup(group, SETTING_LIST.filter((setting) => setting.group === group)));
  return [INTRO, "## Settings", "", ...contents, "", ...sections].join("\n");
}

function renderGroup(group: SettingGroup, settings: readonly SettingDefinition[]): string {
  const rows = settings.map((setting) => {
    const flag = code(`--${setting.flag} ${setting.valueHint}`);
    const variables = setting.env.map(code).join(", ");
    // A default the loader reads is a value one could type; one worked out at start-up is words.
    const byDefault = setting.defaultValue !== undefined ? code(setting.defaultValue) : text(setting.defaultText);
    const secrecy = setting.isSecret ? " Kept secret: an error about it never shows the value." : "";
    return `| ${flag} | ${variables} | ${byDefault} | ${cell(setting.meaning)}${secrecy} |`;
  });
  const { title, about } = SETTING_GROUPS[group];
  return [`### ${title}`, "", wrap(about), "", "| Flag | Environment variable | Default | What it does |", "| --- | --- | --- | --- |", ...rows, ""].join("\n");
}

/** Lines of at most 80 characters, as the hand-written pages keep them. */
function wrap(paragraph: string, width = 80): string {
  const lines: string[] = [];
  for (const word of paragraph.split(" ")) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines.join("\n");
}

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces as hyphens. */
export function headingAnchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** A code span inside a table cell: only the cell's pipe needs escaping there. */
function code(value: string): string {
  if (value.includes("`")) throw new Error(`a backtick in ${JSON.stringify(value)} would end its code span`);
  return `\`${value.replaceAll("|", "\\|")}\``;
}

/** Markdown already (the table's meanings use code spans): only the cell's pipe is escaped. */
function cell(markdown: string): string {
  return markdown.replaceAll("|", "\\|");
}

/** Plain words that may hold Markdown's special characters (`<cache dir>`, `* with API keys`). */
function text(words: string): string {
  return words.replace(/[\\|<*_[\]]/g, (special) => `\\${special}`);
}
