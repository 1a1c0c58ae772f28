// The tokens plugin from Python (issues #13, #29): test/languages/python/program.py, an inline
// Automation API program using the Python SDK as users install it (the wheel of sdk/python, pip
// installed into a fresh venv by docs/languages.md's commands), through the shared scenario.
import { join } from "node:path";
import { describeLanguageProof } from "./scenario.ts";
import { preparePython, pythonPresence, ROOT } from "./toolchains.ts";

describeLanguageProof({
  language: "Python",
  presence: pythonPresence(),
  prepare: async () => {
    const { python } = await preparePython();
    return {
      command: python,
      args: (step) => [join(ROOT, "test", "languages", "python", "program.py"), step],
      env: { PYTHONDONTWRITEBYTECODE: "1", PYTHONUNBUFFERED: "1" },
    };
  },
  // Cold: two venvs (the build one and the user's, ~30-60 s each) and the plugin tarball (~30 s);
  // warm: a few seconds.
  prepareTimeout: 900_000,
});
