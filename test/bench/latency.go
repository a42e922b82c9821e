package main

// Latency for the WAN runs comes from toxiproxy's latency toxic, applied
// to both directions of a TCP proxy in front of each server.
//
// Toxiproxy runs as its own server process, built at run time from the Go
// module proxy (`go install …/cmd/server@version`, into the bench's temp
// dir; Go's build cache makes later runs quick), driven over its HTTP API.
// It is not imported as a library: that would add Prometheus' client,
// protobuf, zerolog, gorilla/mux and more to imapx's go.mod for a
// benchmark, and the server process keeps its goroutines and memory out of
// the measured tools' way. -toxiproxy PATH uses an existing server binary.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/imapx/imapx/test/harness"
)

const toxiproxyPkg = "github.com/Shopify/toxiproxy/v2/cmd/server@v2.5.0"

type toxiproxy struct {
	cmd *exec.Cmd
	api string
}

// startToxiproxy builds (unless bin is given) and starts a toxiproxy
// server on a free 127.0.0.1 port.
func startToxiproxy(work, bin string) (*toxiproxy, error) {
	if bin == "" {
		gobin := filepath.Join(work, "toxiproxy")
		install := exec.Command("go", "install", toxiproxyPkg)
		install.Dir = work
		install.Env = append(os.Environ(), "GOBIN="+gobin)
		if out, err := install.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("building toxiproxy (go install %s): %v\n%s", toxiproxyPkg, err, out)
		}
		bin = filepath.Join(gobin, "server")
	}
	port, err := harness.FreePort()
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(work, "toxiproxy.log"))
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(bin, "-host", "127.0.0.1", "-port", strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("toxiproxy: %w", err)
	}
	t := &toxiproxy{cmd: cmd, api: "http://127.0.0.1:" + strconv.Itoa(port)}
	for deadline := time.Now().Add(10 * time.Second); ; {
		resp, err := http.Get(t.api + "/version")
		if err == nil {
			resp.Body.Close()
			return t, nil
		}
		if time.Now().After(deadline) {
			t.stop()
			return nil, fmt.Errorf("toxiproxy did not come up on %s: %v", t.api, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// latencyProxy adds a proxy to upstream that delays every chunk by each in
// both directions (no jitter, no bandwidth limit) and returns its address.
func (t *toxiproxy) latencyProxy(name, upstream string, each time.Duration) (string, error) {
	var p struct {
		Listen string `json:"listen"`
	}
	err := t.post("/proxies", map[string]any{"name": name, "listen": "127.0.0.1:0", "upstream": upstream, "enabled": true}, &p)
	if err != nil {
		return "", err
	}
	for _, stream := range []string{"upstream", "downstream"} {
		err := t.post("/proxies/"+name+"/toxics", map[string]any{
			"name": "latency_" + stream, "type": "latency", "stream": stream, "toxicity": 1.0,
			"attributes": map[string]any{"latency": each.Milliseconds(), "jitter": 0},
		}, nil)
		if err != nil {
			return "", err
		}
	}
	return p.Listen, nil
}

func (t *toxiproxy) post(path string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	resp, err := http.Post(t.api+path, "application/json", bytes.NewReader(b))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("toxiproxy POST %s: %s: %s", path, resp.Status, reply)
	}
	if out != nil {
		return json.Unmarshal(reply, out)
	}
	return nil
}

func (t *toxiproxy) stop() {
	t.cmd.Process.Kill()
	t.cmd.Wait()
}
