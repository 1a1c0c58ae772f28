// One token of each kind through the generated Go SDK, as an inline Automation API program run by the
// `tokens` provider plugin. Driven by test/languages/go.test.ts (the steps are in
// test/languages/scenario.ts), which builds this program once (scripts/ensure-go.sh) and runs one
// engine operation per process:
//
//	go-proof up|up-refresh|preview|destroy
//
// Settings come from the environment (PT_*, see main); the resources' settings and the provider
// credentials are stack config (PT_CONFIG). Prints one JSON line on stdout: the step, the engine's
// change summary and the stack outputs, secret outputs as {"secret": true} only; their plain values
// go to the PT_SECRETS_FILE file (0600), never to stdout or stderr. The engine's output goes to stderr.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/pulumi-tokens/pulumi-tokens/sdk/go/tokens/gcore"
	"github.com/pulumi-tokens/pulumi-tokens/sdk/go/tokens/icp"
	"github.com/pulumi-tokens/pulumi-tokens/sdk/go/tokens/netbird"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func program(ctx *pulumi.Context) error {
	pat, err := netbird.NewPersonalAccessToken(ctx, "ci", &netbird.PersonalAccessTokenArgs{
		UserId:           pulumi.String(config.Require(ctx, "netbirdUserId")),
		Name:             pulumi.String(config.Require(ctx, "netbirdTokenName")),
		ExpiresInDays:    pulumi.Int(config.RequireInt(ctx, "netbirdExpiresInDays")),
		RotateBeforeDays: pulumi.Float64(config.RequireFloat64(ctx, "netbirdRotateBeforeDays")),
	})
	if err != nil {
		return err
	}
	support, err := gcore.NewUserToken(ctx, "support", &gcore.UserTokenArgs{
		UserId:              pulumi.Int(config.RequireInt(ctx, "gcoreUserId")),
		RotateBeforeMinutes: pulumi.Int(config.RequireInt(ctx, "gcoreRotateBeforeMinutes")),
	})
	if err != nil {
		return err
	}
	pull, err := icp.NewRegistryToken(ctx, "pull", &icp.RegistryTokenArgs{
		Scope:               pulumi.String(config.Require(ctx, "icpScope")),
		RotateBeforeMinutes: pulumi.Int(config.RequireInt(ctx, "icpRotateBeforeMinutes")),
	})
	if err != nil {
		return err
	}
	ctx.Export("netbirdTokenId", pat.TokenId)
	ctx.Export("netbirdToken", pat.Token)
	ctx.Export("netbirdRotatesAt", pat.RotatesAt)
	ctx.Export("netbirdPreviousTokenId", pat.PreviousTokenId)
	ctx.Export("gcoreAccessToken", support.AccessToken)
	ctx.Export("gcoreRefreshToken", support.RefreshToken)
	ctx.Export("gcoreRotatesAt", support.RotatesAt)
	ctx.Export("gcoreUsername", support.Username)
	ctx.Export("icpToken", pull.Token)
	ctx.Export("icpRotatesAt", pull.RotatesAt)
	ctx.Export("icpRegistry", pull.Registry)
	return nil
}

type configEntry struct {
	Value  string `json:"value"`
	Secret bool   `json:"secret"`
}

type shownOutput struct {
	Value  any  `json:"value,omitempty"`
	Secret bool `json:"secret,omitempty"`
}

func run(step string) error {
	ctx := context.Background()
	// The CLI at the SDK's version (<root>/bin/pulumi); plugins are found on PATH.
	command, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: os.Getenv("PT_PULUMI_ROOT")})
	if err != nil {
		return err
	}
	stack, err := auto.UpsertStackInlineSource(ctx, os.Getenv("PT_STACK"), os.Getenv("PT_PROJECT"), program,
		auto.Pulumi(command),
		auto.WorkDir(os.Getenv("PT_WORK_DIR")),
		auto.PulumiHome(os.Getenv("PT_PULUMI_HOME")),
		auto.EnvVars(map[string]string{
			"PULUMI_BACKEND_URL":                          os.Getenv("PT_BACKEND_URL"),
			"PULUMI_CONFIG_PASSPHRASE":                    os.Getenv("PT_PASSPHRASE"),
			"PULUMI_SKIP_UPDATE_CHECK":                    "true",
			"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		}),
	)
	if err != nil {
		return err
	}
	var entries map[string]configEntry
	if err := json.Unmarshal([]byte(os.Getenv("PT_CONFIG")), &entries); err != nil {
		return fmt.Errorf("PT_CONFIG: %w", err)
	}
	values := auto.ConfigMap{}
	for key, entry := range entries {
		values[key] = auto.ConfigValue{Value: entry.Value, Secret: entry.Secret}
	}
	if err := stack.SetAllConfig(ctx, values); err != nil {
		return err
	}

	var changes map[string]int
	outputs := auto.OutputMap{}
	switch step {
	case "preview":
		result, err := stack.Preview(ctx, optpreview.ProgressStreams(os.Stderr), optpreview.Color("never"))
		if err != nil {
			return err
		}
		changes = map[string]int{}
		for op, count := range result.ChangeSummary {
			changes[string(op)] = count
		}
	case "destroy":
		result, err := stack.Destroy(ctx, optdestroy.ProgressStreams(os.Stderr), optdestroy.Color("never"))
		if err != nil {
			return err
		}
		if result.Summary.ResourceChanges != nil {
			changes = *result.Summary.ResourceChanges
		}
	default:
		options := []optup.Option{optup.ProgressStreams(os.Stderr), optup.Color("never")}
		if step == "up-refresh" {
			options = append(options, optup.Refresh())
		}
		result, err := stack.Up(ctx, options...)
		if err != nil {
			return err
		}
		if result.Summary.ResourceChanges != nil {
			changes = *result.Summary.ResourceChanges
		}
		outputs = result.Outputs
	}

	secrets := map[string]any{}
	shown := map[string]shownOutput{}
	for key, output := range outputs {
		if output.Secret {
			secrets[key] = output.Value
			shown[key] = shownOutput{Secret: true}
		} else {
			shown[key] = shownOutput{Value: output.Value}
		}
	}
	data, err := json.Marshal(secrets)
	if err != nil {
		return err
	}
	if err := os.WriteFile(os.Getenv("PT_SECRETS_FILE"), data, 0o600); err != nil {
		return err
	}
	line, err := json.Marshal(map[string]any{"step": step, "changes": changes, "outputs": shown})
	if err != nil {
		return err
	}
	fmt.Println(string(line))
	return nil
}

func main() {
	step := ""
	if len(os.Args) > 1 {
		step = os.Args[1]
	}
	switch step {
	case "up", "up-refresh", "preview", "destroy":
	default:
		fmt.Fprintf(os.Stderr, "usage: go-proof up|up-refresh|preview|destroy (got %q)\n", step)
		os.Exit(2)
	}
	if err := run(step); err != nil {
		fmt.Fprintf(os.Stderr, "go-proof %s: %v\n", step, err)
		os.Exit(1)
	}
}
