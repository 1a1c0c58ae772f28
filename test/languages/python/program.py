"""One token of each kind through the generated Python SDK (pulumi_tokens), as an inline Automation API
program run by the `tokens` provider plugin. Driven by test/languages/python.test.ts (the steps are in
test/languages/scenario.ts); runs one engine operation per process:

    python program.py up|up-refresh|preview|destroy

Settings come from the environment (PT_*, see `main`); the resources' settings and the provider
credentials are stack config (PT_CONFIG). Prints one JSON line on stdout: the step, the engine's
change summary and the stack outputs, secret outputs as {"secret": true} only; their plain values go to
the PT_SECRETS_FILE file (0600), never to stdout or stderr. The engine's own output goes to stderr.
"""

import json
import os
import sys

import pulumi
import pulumi.automation as auto
import pulumi_tokens as tokens


def program() -> None:
    config = pulumi.Config()
    pat = tokens.netbird.PersonalAccessToken(
        "ci",
        user_id=config.require("netbirdUserId"),
        name=config.require("netbirdTokenName"),
        expires_in_days=config.require_int("netbirdExpiresInDays"),
        rotate_before_days=config.require_float("netbirdRotateBeforeDays"),
    )
    support = tokens.gcore.UserToken(
        "support",
        user_id=config.require_int("gcoreUserId"),
        rotate_before_minutes=config.require_int("gcoreRotateBeforeMinutes"),
    )
    pull = tokens.icp.RegistryToken(
        "pull",
        scope=config.require("icpScope"),
        rotate_before_minutes=config.require_int("icpRotateBeforeMinutes"),
    )
    pulumi.export("netbirdTokenId", pat.token_id)
    pulumi.export("netbirdToken", pat.token)
    pulumi.export("netbirdRotatesAt", pat.rotates_at)
    pulumi.export("netbirdPreviousTokenId", pat.previous_token_id)
    pulumi.export("gcoreAccessToken", support.access_token)
    pulumi.export("gcoreRefreshToken", support.refresh_token)
    pulumi.export("gcoreRotatesAt", support.rotates_at)
    pulumi.export("gcoreUsername", support.username)
    pulumi.export("icpToken", pull.token)
    pulumi.export("icpRotatesAt", pull.rotates_at)
    pulumi.export("icpRegistry", pull.registry)


def main() -> None:
    step = sys.argv[1] if len(sys.argv) > 1 else ""
    if step not in ("up", "up-refresh", "preview", "destroy"):
        sys.exit(f"usage: program.py up|up-refresh|preview|destroy (got {step!r})")
    env = os.environ
    # The CLI at the SDK's version (<root>/bin/pulumi); plugins are found on PATH.
    command = auto.PulumiCommand(root=env["PT_PULUMI_ROOT"])
    workspace = auto.LocalWorkspaceOptions(
        work_dir=env["PT_WORK_DIR"],
        pulumi_home=env["PT_PULUMI_HOME"],
        pulumi_command=command,
        env_vars={
            "PULUMI_BACKEND_URL": env["PT_BACKEND_URL"],
            "PULUMI_CONFIG_PASSPHRASE": env["PT_PASSPHRASE"],
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        },
    )
    stack = auto.create_or_select_stack(
        stack_name=env["PT_STACK"], project_name=env["PT_PROJECT"], program=program, opts=workspace
    )
    config = json.loads(env["PT_CONFIG"])
    stack.set_all_config(
        {key: auto.ConfigValue(value=entry["value"], secret=entry.get("secret", False)) for key, entry in config.items()}
    )

    def echo(line: str) -> None:
        print(line, file=sys.stderr, flush=True)  # the Automation API strips each line's newline

    outputs: dict = {}
    if step == "preview":
        result = stack.preview(on_output=echo, color="never")
        changes = result.change_summary
    elif step == "destroy":
        result = stack.destroy(on_output=echo, color="never")
        changes = result.summary.resource_changes
    else:
        result = stack.up(on_output=echo, color="never", refresh=step == "up-refresh")
        changes = result.summary.resource_changes
        outputs = result.outputs

    secrets = {key: value.value for key, value in outputs.items() if value.secret}
    descriptor = os.open(env["PT_SECRETS_FILE"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        json.dump(secrets, file)
    shown = {key: {"secret": True} if value.secret else {"value": value.value} for key, value in outputs.items()}
    print(json.dumps({"step": step, "changes": {getattr(op, "value", op): n for op, n in (changes or {}).items()}, "outputs": shown}), flush=True)


if __name__ == "__main__":
    main()
