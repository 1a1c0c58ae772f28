// A codegen-only Pulumi language plugin, for machines where the CLI has no pulumi-language-python /
// pulumi-language-go beside it (the Go module proxy serves pkg/v3 and sdk/v3 but refuses the language
// hosts' own modules). `pulumi package gen-sdk --language python|go` starts pulumi-language-<lang>
// and calls only its GeneratePackage RPC; this plugin answers that RPC with the very code generator
// the official host calls (github.com/pulumi/pulumi/pkg/v3/codegen/python or /go, at the CLI's
// version) and refuses everything else (it cannot run programs). scripts/gen-sdk.sh builds it and
// puts it on PATH only for gen-sdk, and only when no real language host is found.
//
// The binary serves the language named after "pulumi-language-" in its own file name, so one binary
// linked as pulumi-language-python and pulumi-language-go serves both.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	pygen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// version is set with -ldflags "-X main.version=..." to the Pulumi version the codegen comes from.
var version = "0.0.0"

type codegenHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	language string
}

func (h *codegenHost) Handshake(
	context.Context, *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *codegenHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (h *codegenHost) GeneratePackage(
	ctx context.Context, req *pulumirpc.GeneratePackageRequest,
) (*pulumirpc.GeneratePackageResponse, error) {
	if h.language == "go" && len(req.ExtraFiles) > 0 {
		return nil, status.Error(codes.InvalidArgument, "overlays are not supported for Go")
	}
	loader, err := schema.NewLoaderClient(req.LoaderTarget)
	if err != nil {
		return nil, err
	}
	defer loader.Close()
	cached := schema.NewCachedLoader(loader)

	var spec schema.PackageSpec
	if err := json.Unmarshal([]byte(req.Schema), &spec); err != nil {
		return nil, err
	}
	pkg, diags, err := schema.BindSpec(spec, cached, schema.ValidationOptions{AllowDanglingReferences: true})
	if err != nil {
		return nil, err
	}
	rpcDiags := plugin.HclDiagnosticsToRPCDiagnostics(diags)
	if diags.HasErrors() {
		return &pulumirpc.GeneratePackageResponse{Diagnostics: rpcDiags}, nil
	}

	var files map[string][]byte
	switch h.language {
	case "python":
		files, err = pygen.GeneratePackage("pulumi-language-python", pkg, req.ExtraFiles, cached)
	case "go":
		files, err = gogen.GeneratePackage("pulumi-language-go", pkg, req.LocalDependencies)
	default:
		err = fmt.Errorf("no code generator for %q", h.language)
	}
	if err != nil {
		return nil, err
	}
	for name, data := range files {
		out := filepath.Join(req.Directory, name)
		if err := os.MkdirAll(filepath.Dir(out), 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(out, data, 0o600); err != nil {
			return nil, err
		}
	}
	return &pulumirpc.GeneratePackageResponse{Diagnostics: rpcDiags}, nil
}

func main() {
	language := strings.TrimPrefix(filepath.Base(os.Args[0]), "pulumi-language-")
	if language != "python" && language != "go" {
		fmt.Fprintf(os.Stderr, "run this binary as pulumi-language-python or pulumi-language-go, not %s\n", os.Args[0])
		os.Exit(2)
	}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, &codegenHost{language: language})
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "could not start the language plugin: %v\n", err)
		os.Exit(1)
	}
	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "language plugin: %v\n", err)
		os.Exit(1)
	}
}
