// The `holdfast` command run from the sources (with tsx), so CLI tests test the current code and
// never a dist/ left over from an earlier build. See ./cli.ts.
import { main } from "../../src/cli/main.js";

await main(process.argv);
