// docs/configuration.md is what the settings table generates, lists every
// setting --help lists, is a well-formed page (one row a setting, four cells
// a row) and its links lead to headings that exist.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SETTING_GROUPS, SETTING_LIST } from "../../src/config/settings.js";
import { helpText } from "../../src/config/startup-text.js";
import { CONFIGURATION_PAGE_PATH, headingAnchor, renderConfigurationPage } from "./configuration-page.js";

const root = new URL("../../", import.meta.url);
const docs = new URL("docs/", root);
const pageOnDisk = () => (existsSync(new URL(CONFIGURATION_PAGE_PATH, root)) ? readFileSync(new URL(CONFIGURATION_PAGE_PATH, root), "utf8") : "");
const page = renderConfigurationPage();
const tableRows = page.split("\n").filter((line) => line.startsWith("| `--"));
const anchorsOf = (markdown: string) => new Set(markdown.split("\n").flatMap((line) => /^#{1,6} (.+)$/.exec(line)?.[1] ?? []).map(headingAnchor));

describe("docs/configuration.md", () => {
  it("is what the settings table generates", () => {
    expect(pageOnDisk(), `${CONFIGURATION_PAGE_PATH} is not what src/config/settings.ts generates: run \`npm run docs:config\` and commit the page`).toBe(page);
  });

  it("lists every flag and variable --help lists, each flag in one row", () => {
    const helpFlags = helpText().split("\n").flatMap((line) => /^ {2}--([a-z-]+) /.exec(line)?.[1] ?? []);
    const helpVariables = helpText().split("\n").flatMap((line) => /^\s+env: (.+?)\s{2,}default:/.exec(line)?.[1]?.split(", ") ?? []);
    expect(helpFlags).toHaveLength(SETTING_LIST.length);
    for (const flag of helpFlags) expect(tableRows.filter((row) => row.startsWith(`| \`--${flag} `)), `--${flag}`).toHaveLength(1);
    for (const variable of helpVariables) expect(tableRows.some((row) => row.includes(`\`${variable}\``)), variable).toBe(true);
  });

  it("has a section with settings for every group", () => {
    for (const { title } of Object.values(SETTING_GROUPS)) {
      const section = page.split(`\n### ${title}\n`)[1]?.split("\n### ")[0] ?? "";
      expect(section.split("\n").filter((line) => line.startsWith("| `--")).length, title).toBeGreaterThan(0);
    }
  });

  it("gives every row four cells, whatever pipes the table's text holds", () => {
    const cellsOf = (row: string) => row.replace(/\\\|/g, "").split("|").length - 2;
    for (const row of tableRows) expect(cellsOf(row), row).toBe(4);
  });

  it("links only to headings that exist", () => {
    const links = [...page.matchAll(/\]\(([^)]*)\)/g)].map((match) => match[1]!);
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) {
      const [file, anchor] = link.split("#");
      const target = file ? readFileSync(new URL(file, docs), "utf8") : page;
      if (anchor !== undefined) expect(anchorsOf(target).has(anchor), link).toBe(true);
    }
  });
});
