// Writes docs/configuration.md from the settings table (`npm run docs:config`);
// configuration-page.test.ts fails until the page on disk is what this writes.
import { writeFileSync } from "node:fs";
import { CONFIGURATION_PAGE_PATH, renderConfigurationPage } from "./configuration-page.js";

const root = new URL("../../", import.meta.url);
writeFileSync(new URL(CONFIGURATION_PAGE_PATH, root), renderConfigurationPage());
process.stdout.write(`wrote ${CONFIGURATION_PAGE_PATH}\n`);
