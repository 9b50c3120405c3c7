// kind-validate loads kind cluster config files with kind's own code: the strict YAML decoding,
// conversion and defaulting `kind create cluster --config` runs (pkg/internal/apis/config/encoding),
// then the same Validate() it calls before creating anything. It needs no Docker.
//
// Go only lets code under sigs.k8s.io/kind/pkg import sigs.k8s.io/kind/pkg/internal/..., hence
// this module's path. Usage: kind-validate FILE...; prints "ok FILE" or "invalid FILE: reason"
// per file and exits 1 when any file is invalid.
package main

import (
	"fmt"
	"os"
	"strings"

	"sigs.k8s.io/kind/pkg/internal/apis/config/encoding"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: kind-validate FILE...")
		os.Exit(2)
	}
	failed := false
	for _, path := range os.Args[1:] {
		cfg, err := encoding.Load(path)
		if err == nil {
			err = cfg.Validate()
		}
		if err != nil {
			failed = true
			fmt.Printf("invalid %s: %s\n", path, strings.ReplaceAll(err.Error(), "\n", " "))
			continue
		}
		fmt.Printf("ok %s: %d nodes, kubeProxyMode %s, podSubnet %s, disableDefaultCNI %t\n",
			path, len(cfg.Nodes), cfg.Networking.KubeProxyMode, cfg.Networking.PodSubnet, cfg.Networking.DisableDefaultCNI)
	}
	if failed {
		os.Exit(1)
	}
}
